package org.pyexec4j.internal.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pyexec4j.OutputChunk;
import org.pyexec4j.StdStream;

/** Writes a worker leaves out at a run's end give the result sending them all would. */
class OutputRecorderTest {
    // a 1 MiB limit keeps 32 768 writes at the head and 32 768 at the tail
    private static final long LIMIT = 1 << 20;

    @Test
    void leftOutWritesCountAsTheTailWouldHaveDroppedThem() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            all.add(i % 3 == 0 ? "\u00e9" + i : Integer.toString(i)); // some two-byte characters
        }
        OutputRecorder whole = new OutputRecorder(LIMIT, null);
        whole.record(StdStream.STDOUT, all);

        OutputRecorder skipping = new OutputRecorder(LIMIT, null);
        OutputRecorder.Capacity capacity = skipping.capacityForSkipping();
        assertThat(capacity.tailWrites()).isEqualTo(32768);
        // the worker sent the first 100 000, then left out all but the last tailWrites
        skipping.record(StdStream.STDOUT, all.subList(0, 100_000));
        List<String> leftOut = all.subList(100_000, all.size() - capacity.tailWrites());
        skipping.skipped(leftOut.stream().mapToLong(OutputRecorder::utf8Length).sum());
        skipping.record(StdStream.STDOUT, all.subList(all.size() - capacity.tailWrites(), all.size()));

        OutputRecorder.Recorded expected = whole.finish(LIMIT);
        OutputRecorder.Recorded actual = skipping.finish(LIMIT);
        assertThat(actual.droppedBytes()).isEqualTo(expected.droppedBytes()).isPositive();
        assertThat(actual.texts()).containsExactlyElementsOf(expected.texts());
        assertThat(actual.streams()).isEqualTo(expected.streams());
    }

    @Test
    void aListenerSeesTheHeadThenOneNoteThenTheTraceback() {
        List<OutputChunk> seen = new ArrayList<>();
        OutputRecorder withListener = new OutputRecorder(100, seen::add);
        for (int i = 0; i < 20; i++) {
            withListener.record(StdStream.STDOUT, "line " + i + "\n"); // 7 bytes each: 7 of them fill the head
        }
        withListener.recordTraceback("Traceback\n");
        OutputRecorder.Recorded recorded = withListener.finish(100);
        assertThat(seen).hasSize(9);
        assertThat(seen.subList(0, 7)).extracting(OutputChunk::text).containsExactlyElementsOf(recorded.texts().subList(0, 7));
        assertThat(seen.get(7).text()).contains("passed 50 bytes, half its limit; the rest of it is not streamed, but for the traceback");
        assertThat(seen.get(8)).isEqualTo(new OutputChunk(StdStream.STDERR, "Traceback\n"));
        assertThat(withListener.listenerDone()).isDone();
        // past the head, the worker may leave writes out with a listener too
        assertThat(withListener.capacityForSkipping()).isNotNull();
    }

    @Test
    void runsKeepNoMoreThanTheirSharedBudgetAndGiveItBack() {
        // many runs flooding at once each kept up to their own limit: together they filled the heap
        KeptOutputBudget budget = new KeptOutputBudget(30_000);
        OutputRecorder first = new OutputRecorder(LIMIT, null, Runnable::run, budget);
        OutputRecorder second = new OutputRecorder(LIMIT, null, Runnable::run, budget);
        long written = 0;
        for (int i = 0; i < 1000; i++) {
            String line = "line " + i + " " + "x".repeat(40) + "\n";
            first.record(StdStream.STDOUT, line);
            second.record(StdStream.STDERR, line);
            written += OutputRecorder.utf8Length(line);
        }
        OutputRecorder.Recorded a = first.finish(LIMIT);
        OutputRecorder.Recorded b = second.finish(LIMIT);
        for (OutputRecorder.Recorded r : List.of(a, b)) {
            String note = r.texts().stream().filter(t -> t.startsWith("\n[pyexec4j: ")).findFirst().orElseThrow();
            long kept = r.texts().stream().filter(t -> !t.equals(note)).mapToLong(OutputRecorder::utf8Length).sum();
            // the drop is counted exactly, and said to be the budget's
            assertThat(kept + r.droppedBytes()).isEqualTo(written);
            assertThat(note).contains("the output all runs together may keep in the engine's memory (30000 bytes)");
        }
        long keptBoth = 2 * written - a.droppedBytes() - b.droppedBytes();
        assertThat(keptBoth).isLessThanOrEqualTo(30_000).isPositive();
        // the heads left the budget to the tails: each run keeps the end of its output
        for (OutputRecorder.Recorded r : List.of(a, b)) {
            assertThat(r.texts().get(r.texts().size() - 1)).isEqualTo("line 999 " + "x".repeat(40) + "\n");
        }
        // both results made: the budget is whole again
        OutputRecorder third = new OutputRecorder(LIMIT, null, Runnable::run, budget);
        third.record(StdStream.STDOUT, "y".repeat(29_000));
        assertThat(third.finish(LIMIT).droppedBytes()).isZero();
    }
}
