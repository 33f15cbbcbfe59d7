package org.pyexec4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.RunRequest;

/**
 * Runs per second with 8 sessions at once, one caller thread per session, one run in
 * flight each (as the harness's W9), for a CPU-bound run and for a trivial one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(ConcurrentSessionsBenchmark.SESSIONS)
public class ConcurrentSessionsBenchmark extends InterpreterState {
    static final int SESSIONS = 8;




    @Override
    protected void check() {
    }


    /** The session of one caller thread. */
    @State(Scope.Thread)
    public static class OwnSession {
        RunRequest sum;
        RunRequest hello;

        @Setup(Level.Trial)
        public void name(ThreadParams thread) {
            String name = "concurrent-" + thread.getThreadIndex();
            sum = RunRequest.of("print(sum(range(10**6)))").inSession(name);
            hello = RunRequest.of("print('hello')").inSession(name);
        }
    }

    /** {@code print(sum(range(10**6)))}, about 20 ms of CPU per run. */
    @Benchmark
    public ExecutionResult sumRange(OwnSession session) {
        return Expect.printed(py.run(session.sum), "499999500000\n");
    }

    /** {@code print('hello')}: the engine's overhead under concurrency. */
    @Benchmark
    public ExecutionResult hello(OwnSession session) {
        return Expect.printed(py.run(session.hello), "hello\n");
    }
}
