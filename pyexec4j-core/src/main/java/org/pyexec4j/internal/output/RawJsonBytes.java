package org.pyexec4j.internal.output;

import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * JSON already written as UTF-8 bytes, for a UTF-8 generator's {@code writeRaw} and
 * {@code writeRawValue}: the only use it supports (the char-based methods are for generators
 * on a Writer, which never get one).
 */
final class RawJsonBytes implements SerializableString {
    private final byte[] bytes;
    private final int length;

    RawJsonBytes(byte[] bytes, int length) {
        this.bytes = bytes;
        this.length = length;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        if (length > buffer.length - offset) {
            return -1; // the generator flushes and takes asUnquotedUTF8() instead
        }
        System.arraycopy(bytes, 0, buffer, offset, length);
        return length;
    }

    @Override
    public byte[] asUnquotedUTF8() {
        return Arrays.copyOf(bytes, length);
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
        return length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
        if (length > buffer.remaining()) {
            return -1;
        }
        buffer.put(bytes, 0, length);
        return length;
    }

    @Override
    public String getValue() {
        throw charBased();
    }

    @Override
    public int charLength() {
        throw charBased();
    }

    @Override
    public char[] asQuotedChars() {
        throw charBased();
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw charBased();
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
        throw charBased();
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
        throw charBased();
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
        throw charBased();
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw charBased();
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
        throw charBased();
    }

    private static UnsupportedOperationException charBased() {
        return new UnsupportedOperationException("raw JSON bytes are only written as they are, by a UTF-8 generator");
    }
}
