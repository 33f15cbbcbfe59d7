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
    /** Bytes of escaped JSON handed to the generator at a time. */
    private static final int JSON_PIECE = 1 << 16;
    /** Past a piece's mark: a comma, two quotes and the longest escape. */
    private static final int ESCAPE_ROOM = 16;
    /**
     * What each ASCII byte becomes inside a JSON string, as Jackson's default escapes have it
     * (short forms for five control characters, a six-character u00XX escape for the
     * others, a backslash before a quote or a backslash); null for a byte that stays as it is.
     */
    private static final byte[][] JSON_ESCAPES = new byte[128][];

    static {
        String hex = "0123456789ABCDEF";
        for (int c = 0; c < 0x20; c++) {
            JSON_ESCAPES[c] = ("\\u00" + hex.charAt(c >> 4) + hex.charAt(c & 0xF)).getBytes(StandardCharsets.US_ASCII);
        }
        JSON_ESCAPES['\b'] = "\\b".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['\t'] = "\\t".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['\n'] = "\\n".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['\f'] = "\\f".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['\r'] = "\\r".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['"'] = "\\\"".getBytes(StandardCharsets.US_ASCII);
        JSON_ESCAPES['\\'] = "\\\\".getBytes(StandardCharsets.US_ASCII);
    }

    /** U+2028 and U+2029 in UTF-8: E2 80 A8 and E2 80 A9. */
    private static final byte SEPARATOR_LEAD = (byte) 0xE2;
    private static final byte SEPARATOR_MIDDLE = (byte) 0x80;
    private static final byte LINE_SEPARATOR_LAST = (byte) 0xA8;
    private static final byte PARAGRAPH_SEPARATOR_LAST = (byte) 0xA9;
    private static final byte[] LINE_SEPARATOR = "\\u2028".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PARAGRAPH_SEPARATOR = "\\u2029".getBytes(StandardCharsets.US_ASCII);

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
        return split(utf8, Integer.MAX_VALUE);
    }

    /**
     * The same, refusing more than {@code mostWrites} writes ({@link IllegalArgumentException}):
     * bytes from a connection code can write to are not made into millions of writes.
     */
    public static PackedTexts split(byte[] utf8, int mostWrites) {
        // as many places as there can be writes, counted first: growing the arrays by doubling
        // copied each of 131 072 writes' places about twice more
        int most = 1;
        for (byte b : utf8) {
            if (b == 0) {
                most++;
            }
        }
        int[] starts = new int[Math.min(most, mostWrites)];
        int[] ends = new int[starts.length];
        int count = 0;
        long bytes = 0;
        int from = 0;
        for (int i = 0; i <= utf8.length; i++) {
            if (i == utf8.length || utf8[i] == 0) {
                if (i > from) {
                    if (count == mostWrites) {
                        throw new IllegalArgumentException("more than " + mostWrites + " writes");
                    }
                    starts[count] = from;
                    ends[count] = i;
                    count++;
                    bytes += i - from;
                }
                from = i + 1;
            }
        }
        return count == starts.length ? new PackedTexts(utf8, starts, ends, bytes)
                : new PackedTexts(utf8, Arrays.copyOf(starts, count), Arrays.copyOf(ends, count), bytes);
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
     * Each write as a JSON string: from its bytes when they are well formed, else from its
     * text. The bytes are escaped here, byte by byte as Jackson escapes a string (the same
     * JSON, tested), into pieces the generator takes raw: one call per piece, not per write.
     */
    void writeJson(JsonGenerator g) throws IOException {
        if (!wellFormed) {
            for (int i = 0; i < starts.length; i++) {
                g.writeString(get(i));
            }
            return;
        }
        if (starts.length == 0) {
            return;
        }
        byte[] piece = new byte[(int) Math.min(JSON_PIECE, 6 * bytes + 3L * starts.length) + ESCAPE_ROOM];
        int n = 0;
        boolean first = true;
        boolean inWrite = false;
        boolean any = false;
        // one pass over the bytes, a NUL closing the write it ends (a run of them, empty
        // writes, makes none): no loop per write, which 400 000 short writes made the cost
        for (int i = 0; i < utf8.length; i++) {
            byte b = utf8[i];
            if (n >= JSON_PIECE) {
                writePiece(g, piece, n, first);
                first = false;
                n = 0;
            }
            if (b == 0) {
                if (inWrite) {
                    piece[n++] = '"';
                    inWrite = false;
                }
                continue;
            }
            if (!inWrite) {
                if (any) {
                    piece[n++] = ',';
                }
                piece[n++] = '"';
                inWrite = true;
                any = true;
            }
            byte[] escape = b >= 0 ? JSON_ESCAPES[b] : null;
            if (b == SEPARATOR_LEAD && i + 2 < utf8.length && utf8[i + 1] == SEPARATOR_MIDDLE
                    && (utf8[i + 2] == LINE_SEPARATOR_LAST || utf8[i + 2] == PARAGRAPH_SEPARATOR_LAST)) {
                escape = utf8[i + 2] == LINE_SEPARATOR_LAST ? LINE_SEPARATOR : PARAGRAPH_SEPARATOR;
                i += 2; // as LineSafeEscapes does for the generator's own strings
            }
            if (escape == null) {
                piece[n++] = b;
            } else {
                System.arraycopy(escape, 0, piece, n, escape.length);
                n += escape.length;
            }
        }
        if (inWrite) {
            piece[n++] = '"';
        }
        writePiece(g, piece, n, first);
    }

    /** The first piece is the generator's next value (it writes the comma before it); the rest continue it. */
    private static void writePiece(JsonGenerator g, byte[] piece, int length, boolean first) throws IOException {
        RawJsonBytes raw = new RawJsonBytes(piece, length);
        if (first) {
            g.writeRawValue(raw);
        } else {
            g.writeRaw(raw);
        }
    }
}
