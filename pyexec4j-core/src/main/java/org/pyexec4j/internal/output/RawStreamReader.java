package org.pyexec4j.internal.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.pyexec4j.StdStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one raw output stream of a worker (its file descriptor 1 or 2) on its own thread.
 *
 * <p>Bytes go to the recorder of the current run until that run's end marker (a random
 * token the worker writes when the run is over); bytes after it, or between runs, were
 * written late by threads or children of an earlier run and are dropped, so they never land
 * in a later run's result. Invalid UTF-8 becomes U+FFFD.
 */
public final class RawStreamReader implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RawStreamReader.class);

    private final ReadableByteChannel channel;
    private final StdStream stream;
    private final String owner;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private OutputRecorder recorder;
    private byte[] marker;
    private CompletableFuture<Void> markerSeen;
    private byte[] pending = new byte[0];
    private long lateBytes;

    public RawStreamReader(ReadableByteChannel channel, StdStream stream, String owner) {
        this.channel = channel;
        this.stream = stream;
        this.owner = owner;
    }

    /** Sends the bytes up to {@code marker} to {@code recorder}; the future completes at the marker. */
    public synchronized CompletableFuture<Void> expect(byte[] marker, OutputRecorder recorder) {
        this.marker = marker.clone();
        this.recorder = recorder;
        this.markerSeen = new CompletableFuture<>();
        if (ended.isDone()) {
            markerSeen.complete(null);
        }
        return markerSeen;
    }

    /** Stops giving bytes to the current run (its result has been taken). */
    public synchronized void detach() {
        flushDecoder();
        recorder = null;
        marker = null;
        if (markerSeen != null) {
            markerSeen.complete(null);
        }
    }

    /** Completes when the stream reached its end (every writer closed it). */
    public CompletableFuture<Void> ended() {
        return ended;
    }

    @Override
    public void run() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (channel.read(buf) >= 0) {
                buf.flip();
                byte[] bytes = new byte[buf.remaining()];
                buf.get(bytes);
                buf.clear();
                accept(bytes);
            }
        } catch (IOException e) {
            LOG.debug("{} {} closed: {}", owner, stream.jsonName(), e.toString());
        } finally {
            synchronized (this) {
                deliver(pending, 0, pending.length);
                pending = new byte[0];
                flushDecoder();
                if (markerSeen != null) {
                    markerSeen.complete(null);
                }
            }
            ended.complete(null);
            if (lateBytes > 0) {
                LOG.debug("{} {}: {} bytes written after their run ended were dropped", owner, stream.jsonName(), lateBytes);
            }
        }
    }

    private synchronized void accept(byte[] fresh) {
        byte[] data = concat(pending, fresh);
        pending = new byte[0];
        if (marker == null) {
            lateBytes += data.length;
            return;
        }
        int at = indexOf(data, marker);
        if (at >= 0) {
            deliver(data, 0, at);
            flushDecoder();
            lateBytes += data.length - at - marker.length;
            recorder = null;
            marker = null;
            markerSeen.complete(null);
            return;
        }
        int keep = longestMarkerPrefixAtEnd(data, marker);
        deliver(data, 0, data.length - keep);
        if (keep > 0) {
            pending = Arrays.copyOfRange(data, data.length - keep, data.length);
        }
    }

    private void deliver(byte[] data, int from, int to) {
        if (to <= from || recorder == null) {
            if (to > from) {
                lateBytes += to - from;
            }
            return;
        }
        CharBuffer out = CharBuffer.allocate((int) ((to - from) * (double) decoder.maxCharsPerByte()) + 4);
        decoder.decode(ByteBuffer.wrap(data, from, to - from), out, false);
        // bytes of an unfinished character stay inside the decoder until the next read
        out.flip();
        if (out.hasRemaining()) {
            recorder.record(stream, out.toString());
        }
    }

    private void flushDecoder() {
        CharBuffer out = CharBuffer.allocate(16);
        decoder.decode(ByteBuffer.allocate(0), out, true);
        decoder.flush(out);
        decoder.reset();
        out.flip();
        if (out.hasRemaining() && recorder != null) {
            recorder.record(stream, out.toString());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            if (data[i] != needle[0]) {
                continue;
            }
            for (int k = 1; k < needle.length; k++) {
                if (data[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static int longestMarkerPrefixAtEnd(byte[] data, byte[] marker) {
        int max = Math.min(marker.length - 1, data.length);
        for (int k = max; k > 0; k--) {
            boolean match = true;
            for (int j = 0; j < k; j++) {
                if (data[data.length - k + j] != marker[j]) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return k;
            }
        }
        return 0;
    }
}
