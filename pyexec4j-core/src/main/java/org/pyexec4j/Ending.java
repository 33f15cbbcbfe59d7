package org.pyexec4j;

/** How a run ended. */
public enum Ending {
    /** The code ran to its end. */
    COMPLETED("completed"),
    /** The code raised an exception (other than {@code SystemExit}). */
    RAISED("raised"),
    /** {@code sys.exit()} or {@code os._exit()}; see {@link ExecutionResult#exitCode()}. */
    EXITED("exited"),
    /** Interrupted at its time limit; the session's state is kept. */
    TIMED_OUT("timed_out"),
    /** Ignored the interrupt at its time limit and was killed after the grace; state lost. */
    KILLED_AFTER_GRACE("killed_after_grace"),
    /** Interrupted on request ({@link Interpreter#interrupt(String)}). */
    INTERRUPTED("interrupted"),
    /** The Python process died from a signal (segfault, killed from outside, out of memory). */
    CRASHED("crashed");

    private final String jsonName;

    Ending(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name used in JSON, e.g. {@code "timed_out"}. */
    public String jsonName() {
        return jsonName;
    }
}
