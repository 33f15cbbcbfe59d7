package org.pyexec4j.internal.output;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * Writes as the worker sent them: their UTF-8 bytes, joined by NULs, kept as they are. A
 * text is made only when one is asked for (a malformed byte becomes U+FFFD); a result's
 * JSON takes well-formed bytes directly. So 400 000 small writes are two arrays for the JVM
 * to hold and its collector to copy, not 400 000 strings. Empty writes are left out (the
 * recorder keeps none). Immutable.
 */
public final class PackedTexts extends AbstractList<String> implements RandomAccess {
    private final byte[] utf8;
    private final int[] starts;
    private final int[] ends;
    private final long bytes;
    /** Whether the bytes may go into JSON as they are: malformed ones would break it. */
    private final boolean wellFormed;

    private PackedTexts(byte[] utf8, int[] starts, int[] ends, long bytes) {
        this.utf8 = utf8;
        this.starts = starts;
        this.ends = ends;
        this.bytes = bytes;
        this.wellFormed = wellFormed(utf8);
    }

    /** The writes in {@code utf8}, split at NUL bytes. */
    public static PackedTexts split(byte[] utf8) {
        int[] starts = new int[16];
        int[] ends = new int[16];
        int count = 0;
        long bytes = 0;
        int from = 0;
        for (int i = 0; i <= utf8.length; i++) {
            if (i == utf8.length || utf8[i] == 0) {
                if (i > from) {
                    if (count == starts.length) {
                        starts = Arrays.copyOf(starts, count * 2);
                        ends = Arrays.copyOf(ends, count * 2);
                    }
                    starts[count] = from;
                    ends[count] = i;
                    count++;
                    bytes += i - from;
                }
                from = i + 1;
            }
        }
        return new PackedTexts(utf8, Arrays.copyOf(starts, count), Arrays.copyOf(ends, count), bytes);
    }

    private static boolean wellFormed(byte[] utf8) {
        for (byte b : utf8) {
            if (b < 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true; // ASCII
    }

    @Override
    public String get(int index) {
        return new String(utf8, starts[index], ends[index] - starts[index], StandardCharsets.UTF_8);
    }

    @Override
    public int size() {
        return starts.length;
    }

    /** UTF-8 bytes of all the writes. */
    public long utf8Length() {
        return bytes;
    }

    /**
     * Each write as a JSON string: from its bytes when they are well formed (the generator
     * escapes what JSON needs), else from its text.
     */
    void writeJson(JsonGenerator g) throws IOException {
        for (int i = 0; i < starts.length; i++) {
            if (wellFormed) {
                g.writeUTF8String(utf8, starts[i], ends[i] - starts[i]);
            } else {
                g.writeString(get(i));
            }
        }
    }
}
