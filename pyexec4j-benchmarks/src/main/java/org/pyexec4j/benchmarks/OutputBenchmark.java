package org.pyexec4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.RunRequest;

/**
 * The output path in a kept session: bulk bytes (as the harness's W4, 8 MiB instead of 50)
 * and many small writes (as W3, 100 000 lines instead of 200 000). Throughput in MiB/s or
 * lines/s is the size divided by the time per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OutputBenchmark extends InterpreterState {
    static final int MIB = 1 << 20;
    static final int BULK_MIB = 8;
    static final int LINES = 100_000;

    private static final RunRequest BULK = RunRequest.of("""
            import sys
            chunk = "x" * (1 << 20)
            for _ in range(%d):
                sys.stdout.write(chunk)
            """.formatted(BULK_MIB)).inSession("bulk");
    private static final RunRequest MANY_LINES = RunRequest.of("""
            for i in range(%d):
                print(i)
            """.formatted(LINES)).inSession("lines");




    @Override
    protected void check() {
        Expect.onlyX(py.run(BULK), BULK_MIB * MIB);
        Expect.lines(py.run(MANY_LINES), LINES);
    }


    /** 8 MiB written to {@code sys.stdout} in 1 MiB chunks. */
    @Benchmark
    public ExecutionResult bulk8MiB() {
        return Expect.completed(py.run(BULK));
    }

    /** 100 000 {@code print(i)} lines. */
    @Benchmark
    public ExecutionResult lines100k() {
        return Expect.completed(py.run(MANY_LINES));
    }
}
