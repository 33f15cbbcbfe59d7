package org.pyexec4j;

import java.util.Objects;

/** {@code count} consecutive {@code term_out} items written to {@code stream}. */
public record StreamRun(StdStream stream, int count) {
    public StreamRun {
        Objects.requireNonNull(stream, "stream");
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive, was " + count);
        }
    }
}
