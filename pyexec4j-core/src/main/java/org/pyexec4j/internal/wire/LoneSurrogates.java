package org.pyexec4j.internal.wire;

/**
 * Python's str may hold lone surrogates (JSON carries them as escapes); Java's UTF-8
 * encoders would turn each into '?'. Output texts from the wire get U+FFFD instead, once,
 * where they are read.
 */
final class LoneSurrogates {
    private LoneSurrogates() {
    }

    /** The text with every lone surrogate (Python's str allows them) replaced by U+FFFD. */
    static String replaced(String s) {
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean pair = Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1));
                if (!pair) {
                    return replaceAll(s);
                }
                i++;
            }
        }
        return s;
    }

    private static String replaceAll(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }
}
