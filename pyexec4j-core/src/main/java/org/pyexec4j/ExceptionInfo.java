package org.pyexec4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference's {@code exc_info}: the exception's {@code args} as strings, and its
 * {@code name}, {@code msg} and {@code obj} attributes (as strings) where it has them.
 *
 * @param args the {@code args}, or {@code null} when the exception had none to report
 *     (the reference's empty {@code {}} after a hard kill)
 * @param attributes {@code name}, {@code msg}, {@code obj} in that order, where present
 */
public record ExceptionInfo(List<String> args, Map<String, String> attributes) {
    public ExceptionInfo {
        args = args == null ? null : List.copyOf(args);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** The empty {@code {}} the reference reports when a run had to be killed. */
    public static ExceptionInfo empty() {
        return new ExceptionInfo(null, Map.of());
    }
}
