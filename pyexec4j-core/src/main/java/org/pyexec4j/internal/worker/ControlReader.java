package org.pyexec4j.internal.worker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.output.PackedTexts;
import org.pyexec4j.internal.wire.Json;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.WorkerMessage;

/**
 * Splits a worker's control connection into JSON lines and decodes each as it completes;
 * packed writes' bytes follow their line as they are.
 */
final class ControlReader {
    private final ReadableByteChannel channel;
    private final Consumer<WorkerMessage> sink;
    /** Reads happen on the IO thread only: one buffer serves every worker. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(256 * 1024));
    /** The worker packs at most 16 Mi characters a frame: a longer length is a broken connection. */
    private static final int MAX_PACKED = 64 << 20;
    /**
     * Longest JSON line taken (a frame of 16 Mi characters escaped at 6 bytes each, and
     * more): past it the connection is broken off rather than the JVM's memory filled.
     */
    private static final int MAX_LINE = 256 << 20;
    /** The worker packs at most 131 072 writes a frame (FRAME_WRITES): past this, a broken connection. */
    private static final int MAX_PACKED_WRITES = 1 << 18;
    /**
     * What the buffers of every connection's unfinished message may hold together: code in
     * many sessions writing long lines to their control connections must not fill the heap.
     * A line that would pass it breaks its connection off.
     */
    private static final long HELD_LIMIT = Runtime.getRuntime().maxMemory() / 4;
    private static final AtomicLong HELD = new AtomicLong();
    private static final int LINE_START = 8192;
    private byte[] line = new byte[LINE_START];
    /** Bytes of this connection's buffers counted in HELD. */
    private long held;
    private int length;
    /** The packed writes being received, or null. */
    private byte[] packed;
    private int packedFilled;
    private StdStream packedStream;
    private boolean packedSingle;

    ControlReader(ReadableByteChannel channel, Consumer<WorkerMessage> sink) {
        this.channel = channel;
        this.sink = sink;
        HELD.addAndGet(line.length);
        held = line.length;
    }

    /** The connection has ended: its buffers no longer count. */
    void release() {
        line = new byte[0];
        packed = null;
        HELD.addAndGet(-held);
        held = 0;
    }

    /**
     * Counts this connection's buffers as a line buffer of {@code lineBytes} and packed writes
     * of {@code packedBytes}, before they are allocated; refuses to grow past HELD_LIMIT.
     */
    private void hold(long lineBytes, long packedBytes) throws ProtocolBreach {
        long bytes = lineBytes + packedBytes;
        long more = bytes - held;
        if (more > 0 && HELD.addAndGet(more) > HELD_LIMIT) {
            HELD.addAndGet(-more);
            throw new ProtocolBreach("a message longer than the engine has room for now ("
                    + (HELD_LIMIT >> 20) + " MiB for all workers' unfinished messages)", null);
        }
        if (more < 0) {
            HELD.addAndGet(more);
        }
        held = bytes;
    }

    private long packedLength() {
        return packed == null ? 0 : packed.length;
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
                if (packed != null) { // the bytes of packed writes: taken as they are
                    int take = Math.min(n - from, packed.length - packedFilled);
                    System.arraycopy(data, from, packed, packedFilled, take);
                    packedFilled += take;
                    from += take;
                    if (packedFilled == packed.length) {
                        deliverPacked();
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
            if (buf.hasRemaining()) {
                // a short read took all there was: asking again would only say so (a system
                // call per message); more to come wakes the selector again
                return true;
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

    private void deliverPacked() throws ProtocolBreach {
        byte[] bytes = packed;
        packed = null;
        hold(line.length, 0);
        // kept as bytes, no string made; a single write may hold NULs, and is one text
        List<String> writes;
        try {
            writes = packedSingle ? List.of(new String(bytes, StandardCharsets.UTF_8))
                    : PackedTexts.split(bytes, MAX_PACKED_WRITES);
        } catch (IllegalArgumentException e) {
            throw new ProtocolBreach("packed writes of " + e.getMessage(), null);
        }
        sink.accept(new WorkerMessage.Output(List.of(new WorkerMessage.Output.Group(packedStream, writes))));
    }

    private void append(byte[] data, int from, int to) throws IOException {
        int count = to - from;
        if (count <= 0) {
            return;
        }
        if ((long) length + count > MAX_LINE) {
            // a worker's frames are far smaller: this is code writing to the control connection
            throw new ProtocolBreach("a line of more than " + MAX_LINE + " bytes", null);
        }
        if (length + count > line.length) {
            int grown = (int) Math.min(MAX_LINE, Math.max(line.length * 2L, length + count));
            hold(grown, packedLength());
            line = Arrays.copyOf(line, grown);
        }
        System.arraycopy(data, from, line, length, count);
        length += count;
    }

    private void decode() throws IOException {
        try (JsonParser p = Json.ONE_MESSAGE.createParser(line, 0, length)) {
            WorkerMessage m;
            try {
                m = WireCodec.readWorker(p);
            } catch (IOException | RuntimeException e) {
                throw new ProtocolBreach("a line that is not a message (" + e.getClass().getSimpleName() + ")", e);
            }
            if (m instanceof WorkerMessage.PackedWrites w) {
                if (w.bytes() > MAX_PACKED) {
                    throw new ProtocolBreach("packed writes of " + w.bytes() + " bytes, more than " + MAX_PACKED, null);
                }
                hold(line.length, w.bytes());
                packed = new byte[w.bytes()];
                packedFilled = 0;
                packedStream = w.stream();
                packedSingle = w.single();
                if (w.bytes() == 0) {
                    deliverPacked();
                }
            } else if (m != null) {
                sink.accept(m);
            }
        }
        if (line.length > 4 << 20) {
            // keep what a 1 MiB write needs (no reallocation per frame), not a huge buffer
            line = new byte[LINE_START];
            hold(line.length, packedLength());
        }
    }
}
