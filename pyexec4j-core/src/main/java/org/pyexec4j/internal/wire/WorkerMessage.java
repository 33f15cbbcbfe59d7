package org.pyexec4j.internal.wire;

import java.util.List;
import org.pyexec4j.ChainedException;
import org.pyexec4j.ExceptionInfo;
import org.pyexec4j.StackFrame;
import org.pyexec4j.StdStream;
import org.pyexec4j.SyntaxErrorLocation;

/** What a session worker says on its control connection. */
public sealed interface WorkerMessage {

    /** The worker is connected and waits for code. */
    record Ready(long pid) implements WorkerMessage {}

    /** The worker's own code failed and the worker exits: what failed, its last word, and where (for the log). */
    record Failed(String error, String traceback) implements WorkerMessage {}

    /**
     * Writes of one stream whose UTF-8 bytes, joined by NUL bytes, follow this line on the
     * connection ({@code bytes} of them): no escaping, no JSON parsing. With {@code single}
     * they are one write, not split (it may hold NULs). The reader turns them into an
     * {@link Output} once it has them.
     */
    record PackedWrites(StdStream stream, int bytes, boolean single) implements WorkerMessage {}

    /**
     * Writes the worker left out at a run's end ({@code bytes} of UTF-8): past the head, and
     * followed by enough writes to fill the tail, they would have passed through the tail
     * and out of it.
     */
    record Skipped(long bytes) implements WorkerMessage {}

    /** Output written through Python's sys.stdout / sys.stderr, in write order. */
    record Output(List<Group> groups) implements WorkerMessage {
        public record Group(StdStream stream, List<String> writes) {}
    }

    /**
     * Run {@code run} is over; {@code traceback} is the text Python would print for its
     * exception (null when it completed); {@code lastOutput}, Python-level output still
     * buffered at the end, goes after the raw bytes before the run's last sync token, and
     * after the traceback with {@code lastOutputAfterTraceback} (what the code's objects
     * printed as its exception let them go: the worker sent all it wrote before). With
     * {@code reuseRawPair} the next run writes to the same raw connections (nothing else
     * can write to them), else to a new pair the worker connects now. With {@code rawAllRead}
     * no token follows on the raw connections: every byte written to them was read before
     * this message was sent (so it is recorded already), and nothing else can write to them.
     * {@code killedAtMemoryLimit}: a child of the run was killed at the memory limit of the
     * session's processes together.
     */
    record Done(
            long run,
            String ending,
            String excType,
            ExceptionInfo excInfo,
            List<StackFrame> excStack,
            Integer exitCode,
            List<ChainedException> causes,
            SyntaxErrorLocation syntaxError,
            double execTimeSeconds,
            double cpuSeconds,
            long peakMemoryBytes,
            boolean reuseRawPair,
            boolean rawAllRead,
            boolean killedAtMemoryLimit,
            String traceback,
            List<Output.Group> lastOutput,
            boolean lastOutputAfterTraceback)
            implements WorkerMessage {}
}
