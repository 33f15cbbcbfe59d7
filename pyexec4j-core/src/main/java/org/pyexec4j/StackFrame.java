package org.pyexec4j;

import java.util.Objects;

/** One frame of {@code exc_stack}: {@code [filename, lineno, name, line]} in JSON. */
public record StackFrame(String filename, int lineno, String name, String line) {
    public StackFrame {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(name, "name");
    }
}
