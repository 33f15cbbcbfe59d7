package org.pyexec4j;

/**
 * Receives output while the code runs.
 *
 * <p>Called on one of the engine's background threads, never concurrently for one run, in
 * the order the output is recorded in the result, and every call before the run's result is
 * given. A slow listener holds back only its own calls and the result: the code runs on, and
 * is interrupted at its limit, at its own pace. An exception or error thrown by the listener
 * is logged and contained; the run goes on.
 *
 * <p>It gets the output up to half the output limit (the head the result keeps), then one
 * note on stderr that the rest of it is not streamed, and then the traceback, if any; the
 * result holds the output's end and says how much was dropped between.
 */
@FunctionalInterface
public interface OutputListener {
    /** Output the code wrote. */
    void onOutput(OutputChunk chunk);

    /**
     * The traceback the engine prints for the exception that ended the run (the reference
     * puts it in {@code term_out}, and so do we, on stderr, after all other output). A
     * command line that mimics {@code python3 FILE} may leave out the one of
     * {@code SystemExit}. By default it is passed on as stderr output.
     */
    default void onTraceback(String text) {
        onOutput(new OutputChunk(StdStream.STDERR, text));
    }
}
