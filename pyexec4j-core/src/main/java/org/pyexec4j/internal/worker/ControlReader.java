package org.pyexec4j.internal.worker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.wire.Json;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.WorkerMessage;

/**
 * Splits a worker's control connection into JSON lines and decodes each as it completes; a
 * big write's bytes follow its line as they are.
 */
final class ControlReader {
    private final ReadableByteChannel channel;
    private final Consumer<WorkerMessage> sink;
    /** Reads happen on the IO thread only: one buffer serves every worker. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(256 * 1024));
    /** The worker sends bigger writes as JSON: a longer length is a broken connection. */
    private static final int MAX_BIG_WRITE = 64 << 20;
    /**
     * Longest JSON line taken (a single write of 32 Mi characters escaped at 6 bytes each,
     * and more): past it the connection is broken off rather than the JVM's memory filled.
     */
    private static final int MAX_LINE = 256 << 20;
    private byte[] line = new byte[8192];
    private int length;
    /** The big write being received, or null. */
    private byte[] big;
    private int bigFilled;
    private StdStream bigStream;

    ControlReader(ReadableByteChannel channel, Consumer<WorkerMessage> sink) {
        this.channel = channel;
        this.sink = sink;
    }

    /** Reads what is available; returns false at the end of the connection. */
    boolean readAvailable() throws IOException {
        ByteBuffer buf = BUFFER.get();
        buf.clear();
        while (true) {
            int n = channel.read(buf);
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            byte[] data = buf.array();
            int from = 0;
            while (from < n) {
                if (big != null) { // the bytes of a big write: taken as they are
                    int take = Math.min(n - from, big.length - bigFilled);
                    System.arraycopy(data, from, big, bigFilled, take);
                    bigFilled += take;
                    from += take;
                    if (bigFilled == big.length) {
                        deliverBig();
                    }
                    continue;
                }
                int newline = indexOfNewline(data, from, n);
                if (newline < 0) {
                    append(data, from, n);
                    break;
                }
                append(data, from, newline);
                decode();
                length = 0;
                from = newline + 1;
            }
            buf.clear();
        }
    }

    private static int indexOfNewline(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void deliverBig() {
        // ASCII by the worker's word; a byte that is not becomes U+FFFD
        String text = new String(big, StandardCharsets.US_ASCII);
        big = null;
        sink.accept(new WorkerMessage.Output(List.of(new WorkerMessage.Output.Group(bigStream, List.of(text)))));
    }

    private void append(byte[] data, int from, int to) throws IOException {
        int count = to - from;
        if (count <= 0) {
            return;
        }
        if ((long) length + count > MAX_LINE) {
            // a worker's frames are far smaller: this is code writing to the control connection
            throw new IOException("a control line of more than " + MAX_LINE + " bytes");
        }
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(data, from, line, length, count);
        length += count;
    }

    private void decode() throws IOException {
        try (JsonParser p = Json.FACTORY.createParser(line, 0, length)) {
            WorkerMessage m = WireCodec.readWorker(p);
            if (m instanceof WorkerMessage.BigWrite b) {
                if (b.bytes() > MAX_BIG_WRITE) {
                    throw new IOException("a big write of " + b.bytes() + " bytes, more than " + MAX_BIG_WRITE);
                }
                big = new byte[b.bytes()];
                bigFilled = 0;
                bigStream = b.stream();
                if (b.bytes() == 0) {
                    deliverBig();
                }
            } else if (m != null) {
                sink.accept(m);
            }
        }
        if (line.length > 4 << 20) {
            // keep what a 1 MiB write needs (no reallocation per frame), not a huge buffer
            line = new byte[8192];
        }
    }
}
