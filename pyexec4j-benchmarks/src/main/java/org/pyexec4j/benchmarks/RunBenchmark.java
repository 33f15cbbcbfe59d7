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
 * Round trips of small runs through the Java API, one after another on one thread: the
 * harness's W2 (warm run), W1 (fresh state) and W7 (exception), and an anonymous run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RunBenchmark extends InterpreterState {
    private static final String HELLO = "print('hello')";
    private static final RunRequest WARM = RunRequest.of(HELLO).inSession("warm");
    private static final RunRequest FRESH = RunRequest.of(HELLO).inSession("fresh").withReset(true);
    private static final RunRequest EXCEPTION = RunRequest.of("""
            def f(x):
                return x / 0

            f(1)
            """).inSession("exception");




    @Override
    protected void check() {
        Expect.printed(py.run(WARM), "hello\n");
        Expect.printed(py.run(FRESH), "hello\n");
        Expect.raised(py.run(EXCEPTION), "ZeroDivisionError");
    }


    /** {@code print('hello')} in a kept session ({@code reset=false}): the per-run overhead. */
    @Benchmark
    public ExecutionResult warmRun() {
        return Expect.printed(py.run(WARM), "hello\n");
    }

    /** {@code print('hello')} with {@code reset=true} in one session, back to back. */
    @Benchmark
    public ExecutionResult freshState() {
        return Expect.printed(py.run(FRESH), "hello\n");
    }

    /** {@code run(code)}: a fresh state in a session of its own, closed after the run. */
    @Benchmark
    public ExecutionResult anonymousRun() {
        return Expect.printed(py.run(HELLO), "hello\n");
    }

    /** A {@code ZeroDivisionError} raised in a function, in a kept session. */
    @Benchmark
    public ExecutionResult exception() {
        return Expect.raised(py.run(EXCEPTION), "ZeroDivisionError");
    }

    /** The same, with the result written as JSON (as the stdio protocol sends it). */
    @Benchmark
    public String exceptionToJson() {
        return Expect.raised(py.run(EXCEPTION), "ZeroDivisionError").toJson();
    }
}
