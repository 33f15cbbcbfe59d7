package org.pyexec4j.internal.output;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.pyexec4j.OutputChunk;
import org.pyexec4j.OutputListener;
import org.pyexec4j.StdStream;
import org.pyexec4j.StreamRun;

/**
 * The output of one run, in arrival order, bounded.
 *
 * <p>Up to half the limit is kept from the start (the head) and up to half from the end
 * (the tail); what falls between is counted, never silently lost. The listener sees every
 * chunk of the head, in the order the result records, one call at a time, from a
 * {@link ListenerFeed}; past the head it is told once that the rest is not streamed, the traceback aside (a flood
 * would otherwise go to it whole, at the pace of whatever it feeds). The tail is in the
 * result.
 */
public final class OutputRecorder {
    /**
     * At most one kept write per this many bytes of the limit: each kept write costs the
     * JVM ~50 bytes beyond its text, so a flood of one-character writes within the byte
     * limit would otherwise fill the heap many times over.
     */
    static final int BYTES_PER_KEPT_WRITE = 64;
    /** Small limits still keep this many writes. */
    static final int MIN_KEPT_WRITES = 1 << 16;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final long headLimit;
    private final long tailLimit;
    private final int headWrites;
    private final int tailWrites;
    private final ListenerFeed listener; // null without a listener
    /**
     * The head as segments (packed writes as they came, or plain texts) and their streams'
     * runs: no object per write beyond its text, none at all for packed writes.
     */
    private final List<List<String>> head = new ArrayList<>();
    /** The last head segment when it takes plain texts, or null. */
    private ArrayList<String> plain;
    private int headCount;
    private final StreamRuns headStreams = new StreamRuns();
    private final Deque<OutputChunk> tail = new ArrayDeque<>();
    private long headBytes;
    private long tailBytes;
    private long droppedBytes;
    private boolean closed;
    private boolean listenerToldOfTail;
    private Recorded recorded;
    /** Shared with the other runs, or null (no bound but this run's own). */
    private final KeptOutputBudget budget;
    /** What this run has taken from the budget: its head's bytes and its tail's room. */
    private long taken;
    /** The tail may hold at most this much: its limit, or less once the budget ran out. */
    private long tailRoom;
    /** The budget ran out while this run kept output: its result says so. */
    private boolean budgetShort;

    /** A recorder whose listener, if any, is called on the recording thread (for tests). */
    public OutputRecorder(long limitBytes, OutputListener listener) {
        this(limitBytes, listener, Runnable::run);
    }

    /** A recorder whose listener, if any, is called on threads of {@code listenerThreads}, in order. */
    public OutputRecorder(long limitBytes, OutputListener listener, Executor listenerThreads) {
        this(limitBytes, listener, listenerThreads, null);
    }

    /** The same, keeping output within {@code budget} too, shared with other runs (null: none). */
    public OutputRecorder(long limitBytes, OutputListener listener, Executor listenerThreads, KeptOutputBudget budget) {
        this.budget = budget;
        this.headLimit = limitBytes / 2;
        this.tailLimit = limitBytes - headLimit;
        this.tailRoom = budget == null ? tailLimit : 0;
        int writes = keptWrites(limitBytes);
        this.headWrites = writes / 2;
        this.tailWrites = writes - headWrites;
        this.listener = listener == null ? null : new ListenerFeed(listener, listenerThreads);
    }

    /** The most writes a run's result keeps with this output limit (each write is an item of term_out). */
    public static int keptWrites(long limitBytes) {
        return (int) Math.min(Integer.MAX_VALUE - 16, Math.max(MIN_KEPT_WRITES, limitBytes / BYTES_PER_KEPT_WRITE));
    }

    /** UTF-8 bytes of output kept so far: what building the result will handle. */
    public synchronized long keptSize() {
        return headBytes + tailBytes;
    }

    /**
     * Records a chunk; ignored once the run's result has been taken. The text is well formed
     * UTF-16 (the wire and the raw decoders replace lone surrogates).
     */
    public synchronized void record(StdStream stream, String text) {
        recordOne(stream, text);
    }

    /** Records writes of one stream, in order, as {@link #record} each. */
    public synchronized void record(StdStream stream, List<String> texts) {
        if (texts instanceof PackedTexts packed && !closed && listener == null && tail.isEmpty()
                && headBytes + packed.utf8Length() <= headLimit && headCount + packed.size() <= headWrites
                && fromBudget(packed.utf8Length())) {
            // all of them fit in the head: kept as they came
            head.add(packed);
            plain = null;
            headCount += packed.size();
            headBytes += packed.utf8Length();
            headStreams.add(stream, packed.size());
            return;
        }
        for (String text : texts) {
            recordOne(stream, text);
        }
    }

    private void recordOne(StdStream stream, String text) {
        if (closed) {
            return;
        }
        if (text.isEmpty()) {
            // not kept, but counted in the head as every write is (packed ones too): a worker
            // that leaves writes out past the head judges it full by the writes it sent
            if (tail.isEmpty() && headCount < headWrites) {
                headCount++;
            }
            return;
        }
        boolean toHead = keep(stream, text);
        if (listener != null) {
            if (toHead) {
                listener.output(new OutputChunk(stream, text));
            } else if (!listenerToldOfTail) {
                listenerToldOfTail = true;
                listener.output(new OutputChunk(StdStream.STDERR, "\n[pyexec4j: the output passed " + headLimit
                        + " bytes, half its limit; the rest of it is not streamed, but for the traceback: the result"
                        + " holds its end and says how much was dropped]\n"));
            }
        }
    }

    /** What the head and the tail hold. */
    public record Capacity(long headBytes, int headWrites, long tailBytes, int tailWrites) {}

    /** The sizes a worker may leave writes out by (see {@link #skipped}). */
    public Capacity capacityForSkipping() {
        return new Capacity(headLimit, headWrites, tailLimit, tailWrites);
    }

    /**
     * Writes the worker left out: it does so only past the head, followed by enough writes
     * to fill the tail, so everything in the tail now and all of these would have been
     * dropped: counted, never silently lost.
     */
    public synchronized void skipped(long bytes) {
        if (closed) {
            return;
        }
        droppedBytes += tailBytes + bytes;
        tail.clear();
        tailBytes = 0;
    }

    /** Records the traceback Python prints for the run's exception (on stderr, last). */
    public synchronized void recordTraceback(String text) {
        if (closed || text.isEmpty()) {
            return;
        }
        if (listener != null) {
            listener.traceback(text);
        }
        keep(StdStream.STDERR, text);
    }

    /** Keeps a write in the head, or else in the tail; returns whether it went to the head. */
    private boolean keep(StdStream stream, String text) {
        long bytes = utf8Length(text);
        if (tail.isEmpty() && headBytes + bytes <= headLimit && headCount < headWrites && fromBudget(bytes)) {
            if (plain == null) {
                plain = new ArrayList<>();
                head.add(plain);
            }
            plain.add(text);
            headCount++;
            headStreams.add(stream, 1);
            headBytes += bytes;
            return true;
        }
        tail.addLast(new OutputChunk(stream, text));
        tailBytes += bytes;
        if (tailBytes > tailRoom && tailRoom < tailLimit) {
            // the tail's room grows with it, as far as its limit and the shared budget allow
            long more = budget.take(Math.min(tailBytes, tailLimit) - tailRoom);
            tailRoom += more;
            taken += more;
            budgetShort |= tailBytes > tailRoom && tailRoom < tailLimit;
        }
        while (!tail.isEmpty() && (tailBytes > tailRoom || tail.size() > tailWrites)) {
            boolean tooMany = tail.size() > tailWrites;
            OutputChunk first = tail.pollFirst();
            long firstBytes = utf8Length(first.text());
            long excess = tailBytes - tailRoom;
            if (tooMany || firstBytes <= excess) {
                tailBytes -= firstBytes;
                droppedBytes += firstBytes;
            } else {
                OutputChunk cut = cutFront(first, excess);
                long kept = utf8Length(cut.text());
                droppedBytes += firstBytes - kept;
                tailBytes -= firstBytes - kept;
                tail.addFirst(cut);
                break;
            }
        }
        return false;
    }

    /**
     * Takes bytes for the head from the shared budget, if there is one; false when that would
     * leave less than a tail's worth (the end of a run's output, its result and traceback, is
     * what it can least lose).
     */
    private boolean fromBudget(long bytes) {
        if (budget == null) {
            return true;
        }
        if (!budget.takeLeaving(bytes, tailLimit)) {
            budgetShort = true;
            return false;
        }
        taken += bytes;
        return true;
    }

    /** Gives this run's share of the shared budget back (its result holds the output from now on). */
    private void giveBack() {
        if (budget != null && taken > 0) {
            budget.give(taken);
            taken = 0;
        }
    }

    /** Stops recording (the run failed without a result) and gives its share of the budget back. */
    public synchronized void abandon() {
        closed = true;
        giveBack();
    }

    /** Whether the calling thread is inside an output listener (of any run). */
    public static boolean inListener() {
        return ListenerFeed.inListener();
    }

    /**
     * Completes once the listener has had all it will get: the result is given after that.
     * Complete at once without a listener, or when it has kept up.
     */
    public CompletableFuture<Void> listenerDone() {
        return listener == null ? DONE : listener.done();
    }

    /** Stops recording and returns what was kept, with a note where output was dropped. */
    public synchronized Recorded finish(long limitBytes) {
        if (recorded != null) {
            return recorded;
        }
        closed = true;
        giveBack();
        if (listener != null) {
            listener.close();
        }
        // the head's segments are handed over as they are
        List<List<String>> segments = new ArrayList<>(head);
        StreamRuns runs = headStreams;
        List<String> rest = new ArrayList<>(tail.size() + 1);
        if (droppedBytes > 0) {
            rest.add("\n[pyexec4j: " + droppedBytes + " bytes of output dropped here; the output limit is "
                    + limitBytes + " bytes" + (budgetShort ? ", and the output all runs together may keep in the"
                    + " engine's memory (" + budget.totalBytes() + " bytes) was in use: this run kept less" : "")
                    + "]\n");
            runs.add(StdStream.STDERR, 1);
        }
        for (OutputChunk c : tail) {
            rest.add(c.text());
            runs.add(c.stream(), 1);
        }
        segments.add(rest);
        recorded = new Recorded(new SegmentedTexts(segments), runs.toList(), droppedBytes);
        return recorded;
    }

    /** The kept output: texts in order, their streams as runs, and how much was dropped. */
    public record Recorded(List<String> texts, List<StreamRun> streams, long droppedBytes) {}

    /** Which stream each text came from, as runs of the same stream. */
    private static final class StreamRuns {
        private final List<StreamRun> done = new ArrayList<>();
        private StdStream current;
        private int count;

        void add(StdStream stream, int n) {
            if (stream != current) {
                if (current != null) {
                    done.add(new StreamRun(current, count));
                }
                current = stream;
                count = 0;
            }
            count += n;
        }

        List<StreamRun> toList() {
            List<StreamRun> all = new ArrayList<>(done);
            if (current != null) {
                all.add(new StreamRun(current, count));
            }
            return all;
        }
    }

    private static OutputChunk cutFront(OutputChunk chunk, long bytesToDrop) {
        byte[] utf8 = chunk.text().getBytes(StandardCharsets.UTF_8);
        int from = (int) Math.min(bytesToDrop, utf8.length);
        while (from < utf8.length && (utf8[from] & 0xC0) == 0x80) {
            from++; // never start inside a character
        }
        return new OutputChunk(chunk.stream(), new String(utf8, from, utf8.length - from, StandardCharsets.UTF_8));
    }

    static long utf8Length(String s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
