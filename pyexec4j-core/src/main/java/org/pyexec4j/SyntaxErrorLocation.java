package org.pyexec4j;

/** Where a {@code SyntaxError} points; any part may be {@code null} when Python gave none. */
public record SyntaxErrorLocation(String filename, Integer lineno, Integer offset, String text) {}
