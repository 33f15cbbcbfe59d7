package org.pyexec4j;

import java.time.Duration;
import java.util.Objects;

/**
 * One piece of code to run, and how.
 *
 * @param code the Python source
 * @param session a session name, or {@code null} for a one-off fresh interpreter state
 * @param reset {@code true}: a fresh interpreter state before running (the reference's
 *     {@code reset_session=True}); {@code false}: keep the session's globals and modules
 * @param timeout the limit for this run, or {@code null} for the interpreter's default
 * @param listener receives output while the code runs, or {@code null}
 */
public record RunRequest(String code, String session, boolean reset, Duration timeout, OutputListener listener) {
    /** The longest time limit (a billion seconds, ~31 years): longer ones are refused, not overflowed. */
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(1_000_000_000);

    public RunRequest {
        Objects.requireNonNull(code, "code");
        if (session != null && session.isBlank()) {
            throw new IllegalArgumentException("session name must not be blank");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw new IllegalArgumentException("timeout must be positive and at most " + MAX_TIMEOUT.getSeconds()
                    + " s, was " + timeout);
        }
    }

    /** Code to run in a fresh interpreter state of its own. */
    public static RunRequest of(String code) {
        return new RunRequest(code, null, true, null, null);
    }

    /** The same request in the named session, keeping its state ({@code reset=false}). */
    public RunRequest inSession(String name) {
        return new RunRequest(code, Objects.requireNonNull(name, "name"), false, timeout, listener);
    }

    public RunRequest withReset(boolean reset) {
        return new RunRequest(code, session, reset, timeout, listener);
    }

    public RunRequest withTimeout(Duration timeout) {
        return new RunRequest(code, session, reset, timeout, listener);
    }

    public RunRequest withListener(OutputListener listener) {
        return new RunRequest(code, session, reset, timeout, listener);
    }
}
