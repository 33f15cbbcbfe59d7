package org.pyexec4j;

import java.util.Objects;

/** A piece of output, as the code wrote it, tagged with its stream. */
public record OutputChunk(StdStream stream, String text) {
    public OutputChunk {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(text, "text");
    }
}
