package org.pyexec4j.cli;

import org.pyexec4j.ExecutionResult;

/** The exit status of {@code pyexec4j run}, as {@code python3 FILE} and {@code timeout(1)} would give it. */
public final class ExitStatus {
    /** The code ran to its end. */
    public static final int OK = 0;
    /** The code raised an exception. */
    public static final int RAISED = 1;
    /** Bad usage: an unknown option, a missing file, no Python, an unwritable directory. */
    public static final int USAGE = 2;
    /** The engine failed while the code ran (not the code's fault); see stderr. */
    public static final int ENGINE_FAILURE = 70;
    /** The time limit was reached, as {@code timeout(1)} reports it. */
    public static final int TIMED_OUT = 124;
    /** The output went away early (a closed pipe, {@code | head}), as a shell reports SIGPIPE. */
    public static final int BROKEN_PIPE = 141;
    /** Interrupted (Ctrl-C), as a shell reports SIGINT. */
    public static final int INTERRUPTED = 130;

    private ExitStatus() {}

    /** The status a shell should see for this result. */
    public static int of(ExecutionResult result) {
        return switch (result.ending()) {
            case COMPLETED -> OK;
            // python3 FILE ends with SIGINT's status for a KeyboardInterrupt the code raised too
            case RAISED -> "KeyboardInterrupt".equals(result.excType()) ? INTERRUPTED : RAISED;
            case EXITED -> result.exitCode() == null ? OK : result.exitCode() & 0xff;
            case TIMED_OUT, KILLED_AFTER_GRACE -> TIMED_OUT;
            case INTERRUPTED -> INTERRUPTED;
            case CRASHED -> result.signal() == null ? RAISED : 128 + result.signal();
        };
    }
}
