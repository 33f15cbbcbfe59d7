package org.pyexec4j;

/**
 * Receives output while the code runs.
 *
 * <p>Called on one of the engine's reader threads of the session's worker, never
 * concurrently for one run, in the order the output is recorded in the result. It
 * should return quickly: a slow listener holds back that session's output. An exception
 * thrown by the listener is logged and contained; the run goes on.
 */
@FunctionalInterface
public interface OutputListener {
    void onOutput(OutputChunk chunk);
}
