package org.pyexec4j.cli;

/**
 * A problem reported as one line on stderr, without a stack trace: something the user can fix
 * (a bad option, a missing file, no Python; exit status {@link ExitStatus#USAGE}) or an engine
 * failure ({@link ExitStatus#ENGINE_FAILURE}).
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /** A usage problem: exit status {@link ExitStatus#USAGE}. */
    public CliException(String message) {
        this(message, ExitStatus.USAGE);
    }

    public CliException(String message, int status) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
