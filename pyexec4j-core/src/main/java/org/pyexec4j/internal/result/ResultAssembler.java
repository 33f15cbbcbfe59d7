package org.pyexec4j.internal.result;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.pyexec4j.Ending;
import org.pyexec4j.ExceptionInfo;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.IsolationLevel;
import org.pyexec4j.ResourceUsage;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.output.SegmentedTexts;
import org.pyexec4j.internal.wire.WorkerMessage;
import org.pyexec4j.internal.wire.ZygoteMessage;

/** Decides what a run's result says, from what the worker reported and how it ended. */
public final class ResultAssembler {
    private ResultAssembler() {}

    /** A run the worker finished and reported itself. */
    public static ExecutionResult finished(WorkerMessage.Done d, OutputRecorder.Recorded out, Duration timeout,
                                           Duration wall) {
        Ending ending = endingOf(d.ending());
        Duration exec = seconds(d.execTimeSeconds());
        return new ExecutionResult(withClosingLine(out, d.excType(), exec, timeout), exec, d.excType(), d.excInfo(),
                d.excStack(), ending, ending == Ending.EXITED ? d.exitCode() : null, null, true,
                new ResourceUsage(wall, seconds(d.cpuSeconds()), d.peakMemoryBytes()), out.streams(),
                out.droppedBytes(), d.causes(), d.syntaxError(), null, IsolationLevel.NONE);
    }

    /** Killed at timeout + grace: the reference's hard-kill result, with the output kept. */
    public static ExecutionResult killedAfterGrace(OutputRecorder.Recorded out, Duration timeout, Duration wall) {
        return new ExecutionResult(withClosingLine(out, "TimeoutError", timeout, timeout), timeout, "TimeoutError",
                ExceptionInfo.empty(), List.of(), Ending.KILLED_AFTER_GRACE, null, null, false,
                new ResourceUsage(wall, Duration.ZERO, 0), out.streams(), out.droppedBytes(), List.of(), null, null,
                IsolationLevel.NONE);
    }

    /** The worker process died before it could report (os._exit, a signal, a crash). */
    public static ExecutionResult died(ZygoteMessage.Exited exit, OutputRecorder.Recorded out, Duration timeout,
                                       Duration wall) {
        Integer code = exit == null ? null : exit.code();
        if (code != null) {
            return dead("SystemExit", String.valueOf(code), Ending.EXITED, code, null, out, timeout, wall);
        }
        return dead("WorkerCrashed", describeDeath(exit), Ending.CRASHED, null, exit == null ? null : exit.signal(),
                out, timeout, wall);
    }

    /**
     * The worker process ended for a reason its status does not say: the host ended it while the
     * code ran (its session was closed, its connection broke the protocol), or the engine failed
     * in it (the code broke what the engine needs; it exits with 70). Whatever status it ended
     * with, the code did not exit, and {@code why} says what happened.
     */
    public static ExecutionResult endedFor(ZygoteMessage.Exited exit, String why, OutputRecorder.Recorded out,
                                           Duration timeout, Duration wall) {
        return dead("WorkerCrashed", why, Ending.CRASHED, null, exit == null ? null : exit.signal(), out, timeout,
                wall);
    }

    private static ExecutionResult dead(String excType, String message, Ending ending, Integer code, Integer signal,
                                        OutputRecorder.Recorded out, Duration timeout, Duration wall) {
        return new ExecutionResult(withClosingLine(out, excType, wall, timeout), wall, excType,
                new ExceptionInfo(List.of(message), java.util.Map.of()), List.of(), ending, code, signal, false,
                new ResourceUsage(wall, Duration.ZERO, 0), out.streams(), out.droppedBytes(), List.of(), null, null,
                IsolationLevel.NONE);
    }

    /**
     * The result with what isolation it had and, when it ran into a limit, which one, said in
     * one line before the closing line.
     */
    public static ExecutionResult withIsolation(ExecutionResult r, IsolationLevel isolation, LimitHit hit) {
        List<String> termOut = r.termOut();
        List<org.pyexec4j.StreamRun> streams = r.streams();
        if (hit != null) {
            termOut = new ArrayList<>(termOut);
            termOut.add(termOut.size() - 1, hit.line());
            streams = new ArrayList<>(streams);
            streams.add(new org.pyexec4j.StreamRun(org.pyexec4j.StdStream.STDERR, 1));
        }
        return new ExecutionResult(termOut, r.execTime(), r.excType(), r.excInfo(), r.excStack(), r.ending(),
                r.exitCode(), r.signal(), r.stateKept(), r.resources(), streams, r.droppedBytes(), r.causes(),
                r.syntaxError(), hit == null ? null : hit.name(), isolation);
    }

    /** One line for term_out that says how the worker died. */
    public static String describeDeath(ZygoteMessage.Exited exit) {
        if (exit == null) {
            return "the Python process ended without a report";
        }
        if (exit.code() != null) {
            return "the Python process exited with code " + exit.code();
        }
        return "the Python process was killed by signal " + exit.signal() + " (" + SignalNames.of(exit.signal()) + ")";
    }

    private static List<String> withClosingLine(OutputRecorder.Recorded out, String excType, Duration exec,
                                                Duration timeout) {
        String closing = ClosingLine.of(excType, exec, timeout);
        if (out.texts() instanceof SegmentedTexts texts) {
            return texts.with(closing); // no copy, no text made of packed writes
        }
        List<String> termOut = new ArrayList<>(out.texts().size() + 1);
        termOut.addAll(out.texts());
        termOut.add(closing);
        return termOut;
    }

    private static Ending endingOf(String name) {
        for (Ending e : Ending.values()) {
            if (e.jsonName().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("worker reported an unknown ending '" + name + "'");
    }

    /** A figure from the worker as a duration; one no clock gives (negative, NaN) is none. */
    private static Duration seconds(double s) {
        return s > 0 ? Duration.ofNanos(Math.round(Math.min(s, 1e9) * 1e9)) : Duration.ZERO;
    }
}
