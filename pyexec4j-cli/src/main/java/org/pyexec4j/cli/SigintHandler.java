package org.pyexec4j.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes SIGINT (Ctrl-C) to an action while it is installed, and puts back the previous
 * handling on {@link #close()}. Where the JVM does not allow it, Ctrl-C keeps its default
 * effect (the JVM exits, and the engine's shutdown ends the Python processes).
 */
@SuppressWarnings("sunapi")
public final class SigintHandler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SigintHandler.class);
    private final Object previous;

    private SigintHandler(Object previous) {
        this.previous = previous;
    }

    /** Calls {@code action} on a JVM signal thread on each SIGINT until closed. */
    public static SigintHandler install(Runnable action) {
        try {
            sun.misc.Signal sig = new sun.misc.Signal("INT");
            return new SigintHandler(sun.misc.Signal.handle(sig, s -> action.run()));
        } catch (RuntimeException | LinkageError e) {
            log.debug("cannot handle SIGINT here: {}", e.toString());
            return new SigintHandler(null);
        }
    }

    @Override
    public void close() {
        if (previous instanceof sun.misc.SignalHandler h) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
            } catch (RuntimeException e) {
                log.debug("cannot restore SIGINT handling: {}", e.toString());
            }
        }
    }
}
