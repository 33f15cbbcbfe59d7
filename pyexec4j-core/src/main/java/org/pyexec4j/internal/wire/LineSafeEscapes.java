package org.pyexec4j.internal.wire;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * JSON's own escapes, and U+2028 and U+2029 escaped too. JSON allows them raw, but a reader
 * that splits lines the way Python's {@code str.splitlines()} or a JavaScript source does
 * would cut a JSON line in two at them; a result holds whatever text the code printed.
 */
public final class LineSafeEscapes extends CharacterEscapes {
    public static final LineSafeEscapes INSTANCE = new LineSafeEscapes();

    private static final int[] ASCII = standardAsciiEscapesForJSON();
    private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");
    private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

    private LineSafeEscapes() {
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ASCII;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        return switch (ch) {
            case 0x2028 -> LINE_SEPARATOR;
            case 0x2029 -> PARAGRAPH_SEPARATOR;
            default -> null;
        };
    }
}
