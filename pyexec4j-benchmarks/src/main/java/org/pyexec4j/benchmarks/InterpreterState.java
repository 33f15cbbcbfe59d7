package org.pyexec4j.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.pyexec4j.Interpreter;

/** One interpreter per trial, chosen by the {@code python} and {@code isolation} parameters; closed at its end. */
@State(Scope.Benchmark)
public abstract class InterpreterState {
    /** The Python executable; {@code default}: {@code -Dpyexec4j.python} or the builder's default. */
    @Param(InterpreterChoice.DEFAULT)
    public String python;

    /** NONE, LIMITS or SANDBOX; {@code default}: {@code -Dpyexec4j.isolation} or the builder's default. */
    @Param(InterpreterChoice.DEFAULT)
    public String isolation;

    protected Interpreter py;

    @Setup(Level.Trial)
    public void start() {
        py = InterpreterChoice.startAndDescribe(python, isolation);
        check();
    }

    /** Runs each benchmark's code once and checks its whole answer: a wrong answer is never timed. */
    protected abstract void check();

    @TearDown(Level.Trial)
    public void close() {
        py.close();
    }
}
