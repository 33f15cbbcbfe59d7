package org.pyexec4j.internal.result;

import java.time.Duration;

/** The reference's last {@code term_out} line, word for word. */
public final class ClosingLine {
    private ClosingLine() {}

    public static String of(String excType, Duration exec, Duration timeout) {
        double limit = timeout.toNanos() / 1e9;
        if ("TimeoutError".equals(excType)) {
            return "TimeoutError: Execution exceeded the time limit of " + NaturalDelta.of(limit);
        }
        return "Execution time: " + NaturalDelta.of(exec.toNanos() / 1e9) + " seconds (time limit is "
                + NaturalDelta.of(limit) + ").";
    }
}
