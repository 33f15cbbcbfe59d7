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

/**
 * One raw output connection of a worker (what the code writes to fd 1 or fd 2 during one
 * run), read by the IO thread.
 *
 * <p>The worker writes tokens into the stream: {@code <prefix>s\1\0} just before each
 * frame of Python-level output (so the raw bytes before it are recorded first) and
 * {@code <prefix>e\1\0} when the run is over. The prefix holds a random per-run secret.
 * Bytes after the end token, written by children the run left behind, are dropped. Invalid
 * UTF-8 becomes U+FFFD.
 */
public final class RawStream {
    private static final int TOKEN_TAIL = 3; // type byte, \1, \0
    private static final byte[] NO_BYTES = new byte[0];

    private final ReadableByteChannel channel;
    private final StdStream stream;
    /** Reads happen on the IO thread only: one buffer serves every stream. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(64 * 1024));
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private OutputRecorder recorder;
    private byte[] prefix;
    private byte[] pending = new byte[0];
    /** The first bytes of a character whose others have not been read yet (at most 3). */
    private byte[] unfinished = NO_BYTES;
    private boolean endSeen;
    private boolean atSync;
    private boolean framesOver;

    public RawStream(ReadableByteChannel channel, StdStream stream) {
        this.channel = channel;
        this.stream = stream;
    }

    /** From now on, bytes go to {@code recorder}, and tokens start with {@code prefix}. */
    public synchronized void begin(OutputRecorder recorder, byte[] prefix) {
        this.recorder = recorder;
        this.prefix = prefix.clone();
        // a connection may serve several runs of a worker when nothing else can write to it
        this.pending = new byte[0];
        this.unfinished = NO_BYTES;
        this.endSeen = false;
        this.atSync = false;
    }

    /** The run's result is taken: what is still undecoded goes in, and nothing more. */
    public synchronized void finish() {
        flushDecoder();
        recorder = null;
    }

    public synchronized boolean endSeen() {
        return endSeen || ended.isDone();
    }

    /** Completes when every writer closed the connection. */
    public CompletableFuture<Void> ended() {
        return ended;
    }

    public ReadableByteChannel channel() {
        return channel;
    }

    /**
     * Reads what is available without blocking.
     *
     * @return false at the end of the stream
     */
    public synchronized boolean readAvailable() throws IOException {
        while (!atSync) {
            int n = readOnce();
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                return true;
            }
        }
        return true;
    }

    /**
     * Whether the stream stopped at a sync token whose frame of Python-level output has not
     * been recorded yet; it reads nothing more until {@link #passSync()}.
     */
    public synchronized boolean atSync() {
        return atSync;
    }

    /** Reads until the next sync token (or the end, or nothing more available). */
    public synchronized void drainToSync() throws IOException {
        while (!atSync && !endSeen && !ended.isDone()) {
            if (readOnce() <= 0) {
                return;
            }
        }
    }

    /** The frame of that sync token is recorded: go on past it, up to the next one. */
    public synchronized void passSync() {
        if (atSync) {
            atSync = false;
            byte[] rest = Arrays.copyOfRange(pending, prefix.length + TOKEN_TAIL, pending.length);
            pending = new byte[0];
            process(rest);
        }
    }

    /**
     * The worker's control connection is gone: no frame will come, so sync tokens no longer
     * wait for one (they are passed as they come) and reading goes on to the end.
     */
    public synchronized void noMoreFrames() {
        framesOver = true;
        while (atSync) {
            passSync();
        }
    }

    /** Reads until the end token was seen, or nothing more is available; no frame will follow. */
    public synchronized void drainUntilEnd() throws IOException {
        while (!endSeen && !ended.isDone()) {
            if (atSync) {
                passSync();
            } else if (readOnce() <= 0) {
                return;
            }
        }
    }

    /**
     * The run is over and the worker says every byte written here was read already, with no
     * end token after them: what was held back as a possible token start is output too.
     */
    public synchronized void endWithoutToken() {
        takeHeldBack();
        endSeen = true;
    }

    /** The connection reached its end: keep what was held back, and say so. */
    public synchronized void closed() {
        takeHeldBack();
        ended.complete(null);
    }

    /** No token follows: bytes held back after a sync token or as a possible token start are output. */
    private void takeHeldBack() {
        while (atSync) {
            passSync();
        }
        if (!endSeen) {
            deliver(pending, 0, pending.length);
        }
        pending = new byte[0];
        flushDecoder();
    }

    /** One read: bytes read (then taken in), 0 when none is available, -1 at the end. */
    private int readOnce() throws IOException {
        ByteBuffer buf = BUFFER.get();
        buf.clear();
        int n = channel.read(buf);
        if (n > 0) {
            buf.flip();
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            accept(bytes);
        }
        return n;
    }

    private void accept(byte[] fresh) {
        if (endSeen) {
            return;
        }
        if (atSync) {
            pending = concat(pending, fresh);
            return;
        }
        process(pending.length == 0 ? fresh : concat(pending, fresh));
    }

    /** Delivers bytes up to the next token; a sync token and what follows it wait in pending. */
    private void process(byte[] data) {
        pending = new byte[0];
        if (prefix == null) { // nothing is written here before its run begins; be safe anyway
            return;
        }
        int from = 0;
        while (true) {
            int at = indexOf(data, prefix, from);
            if (at < 0 || at + prefix.length + TOKEN_TAIL > data.length) {
                int keep = at >= 0 ? data.length - at : 0;
                deliver(data, from, data.length - keep);
                if (keep > 0) {
                    pending = Arrays.copyOfRange(data, data.length - keep, data.length);
                }
                return;
            }
            int t = at + prefix.length;
            boolean token = data[t + 1] == 1 && data[t + 2] == 0 && (data[t] == 's' || data[t] == 'e');
            if (!token) { // the prefix with another tail: ordinary bytes
                deliver(data, from, at + 1);
                from = at + 1;
                continue;
            }
            deliver(data, from, at);
            if (data[t] == 's') {
                if (framesOver) {
                    from = t + TOKEN_TAIL;
                    continue;
                }
                atSync = true;
                pending = Arrays.copyOfRange(data, at, data.length);
                return;
            }
            endSeen = true;
            flushDecoder();
            return;
        }
    }

    private void deliver(byte[] data, int from, int to) {
        if (to <= from || recorder == null) { // nothing, or late bytes: dropped
            return;
        }
        ByteBuffer in;
        if (unfinished.length == 0) {
            in = ByteBuffer.wrap(data, from, to - from);
        } else {
            byte[] joined = Arrays.copyOf(unfinished, unfinished.length + to - from);
            System.arraycopy(data, from, joined, unfinished.length, to - from);
            in = ByteBuffer.wrap(joined);
        }
        CharBuffer out = CharBuffer.allocate((int) (in.remaining() * (double) decoder.maxCharsPerByte()) + 4);
        decoder.decode(in, out, false);
        // the decoder leaves the bytes of a character that the next read completes in the
        // input (a write cut in the middle of one, or two writes that each hold a part)
        unfinished = in.hasRemaining() ? Arrays.copyOfRange(in.array(), in.position(), in.limit()) : NO_BYTES;
        out.flip();
        if (out.hasRemaining()) {
            recorder.record(stream, out.toString());
        }
    }

    /** The end of the run's bytes: a character left unfinished is malformed, U+FFFD. */
    private void flushDecoder() {
        CharBuffer out = CharBuffer.allocate(16 + 2 * unfinished.length);
        decoder.decode(ByteBuffer.wrap(unfinished), out, true);
        unfinished = NO_BYTES;
        decoder.flush(out);
        decoder.reset();
        out.flip();
        if (out.hasRemaining() && recorder != null) {
            recorder.record(stream, out.toString());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static int indexOf(byte[] data, byte[] needle, int from) {
        byte first = needle[0];
        int last = data.length - needle.length;
        for (int i = from; i <= last; i++) {
            if (data[i] == first && Arrays.equals(data, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        // a prefix cut by the end of the buffer is handled by the caller
        for (int i = Math.max(from, last + 1); i < data.length; i++) {
            if (data[i] == first && Arrays.equals(data, i, data.length, needle, 0, data.length - i)) {
                return i;
            }
        }
        return -1;
    }
}
