package org.pyexec4j.cli.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Splits a byte stream into lines at {@code \n}, holding at most {@code maxLineBytes} of one
 * line in memory: a longer line is read to its end and dropped, and reported as {@link TooLong}.
 * Not thread-safe: one reader thread owns it.
 */
final class LineInput {
    private static final int CHUNK = 1 << 16;
    private static final int SMALL = 1 << 13;
    private static final int KEEP_AT_MOST = 1 << 22;
    /** How much of a dropped line's start is kept. */
    static final int START_BYTES = 1 << 12;

    /** What {@link #next()} found. */
    sealed interface Item permits Line, TooLong, End {}

    /**
     * A line without its {@code \n}. Its bytes are valid until the next call of {@link #next()}.
     */
    record Line(byte[] bytes, int length) implements Item {}

    /**
     * A line longer than the limit, dropped; {@code length} bytes without its {@code \n}, of
     * which the first ones are kept in {@code start} (where its id usually is).
     */
    record TooLong(long length, byte[] start) implements Item {}

    /** The end of the input. */
    record End() implements Item {}

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[CHUNK];
    private int pos;
    private int limit;
    private boolean eof;
    private byte[] line = new byte[SMALL];

    LineInput(InputStream in, int maxLineBytes) {
        this.in = Objects.requireNonNull(in, "in");
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive, was " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, a dropped over-long line, or the end of the input. */
    Item next() throws IOException {
        if (line.length > KEEP_AT_MOST) {
            line = new byte[SMALL]; // give back the memory of a big line
        }
        int length = 0;
        long dropped = -1; // >= 0 once the line is over the limit: bytes seen so far
        byte[] start = null; // the dropped line's first bytes
        while (true) {
            if (pos == limit && !fill()) {
                if (dropped >= 0) {
                    return new TooLong(dropped, start);
                }
                return length == 0 ? new End() : new Line(line, length);
            }
            int nl = indexOfNewline(chunk, pos, limit);
            int end = nl < 0 ? limit : nl;
            int n = end - pos;
            if (dropped < 0 && (long) length + n > maxLineBytes) {
                int fromLine = Math.min(length, START_BYTES);
                int fromChunk = Math.min(n, START_BYTES - fromLine);
                start = Arrays.copyOf(line, fromLine + fromChunk);
                System.arraycopy(chunk, pos, start, fromLine, fromChunk);
                dropped = length;
                length = 0;
            }
            if (dropped >= 0) {
                dropped += n;
            } else {
                if (length + n > line.length) {
                    line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max((long) line.length * 2, length + n)));
                }
                System.arraycopy(chunk, pos, line, length, n);
                length += n;
            }
            pos = end;
            if (nl >= 0) {
                pos++; // the '\n'
                return dropped >= 0 ? new TooLong(dropped, start) : new Line(line, length);
            }
        }
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(chunk, 0, chunk.length);
        if (n <= 0) {
            eof = n < 0;
            if (n == 0) {
                // a stream that returns 0 would spin: treat it as the end
                eof = true;
            }
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private static int indexOfNewline(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
