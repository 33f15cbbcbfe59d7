package org.pyexec4j.internal.worker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.function.Consumer;
import org.pyexec4j.internal.wire.Json;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.WorkerMessage;

/** Splits a worker's control connection into JSON lines and decodes each as it completes. */
final class ControlReader {
    private final ReadableByteChannel channel;
    private final Consumer<WorkerMessage> sink;
    /** Reads happen on the IO thread only: one buffer serves every worker. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(256 * 1024));
    private byte[] line = new byte[8192];
    private int length;

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
            for (int i = 0; i < n; i++) {
                if (data[i] == '\n') {
                    append(data, from, i);
                    decode();
                    length = 0;
                    from = i + 1;
                }
            }
            append(data, from, n);
            buf.clear();
        }
    }

    private void append(byte[] data, int from, int to) {
        int count = to - from;
        if (count <= 0) {
            return;
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
            if (m != null) {
                sink.accept(m);
            }
        }
        if (line.length > 4 << 20) {
            // keep what a 1 MiB write needs (no reallocation per frame), not a huge buffer
            line = new byte[8192];
        }
    }
}
