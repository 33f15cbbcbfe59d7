package org.pyexec4j;

import java.util.Objects;

/**
 * An exception further down the chain of the one that ended the run.
 *
 * @param relation {@code CAUSE} for {@code raise ... from ...}, {@code CONTEXT} for one
 *     raised while handling another
 */
public record ChainedException(String type, String message, Relation relation) {
    public ChainedException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(relation, "relation");
    }

    public enum Relation {
        CAUSE,
        CONTEXT
    }
}
