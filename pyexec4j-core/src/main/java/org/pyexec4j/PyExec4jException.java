package org.pyexec4j;

/**
 * The engine failed: no Python, a worker that cannot start, a version mismatch, a closed
 * interpreter. A Python exception or a timeout is never this: it is an {@link ExecutionResult}.
 */
public class PyExec4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PyExec4jException(String message) {
        super(message);
    }

    public PyExec4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
