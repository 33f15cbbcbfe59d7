package org.pyexec4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.pyexec4j.internal.output.SegmentedTexts;
import org.pyexec4j.internal.result.ResultJson;

/**
 * What happened when a piece of code ran: the reference's five fields
 * ({@code term_out}, {@code exec_time}, {@code exc_type}, {@code exc_info},
 * {@code exc_stack}) and what the reference does not tell.
 *
 * @param termOut everything the code printed, in write order, one item per write where
 *     Python wrote it (per read for output written at the file-descriptor level), then the
 *     reference's closing line ({@code Execution time: ...} or {@code TimeoutError: ...})
 * @param execTime how long the code ran
 * @param excType the exception's class name, {@code "TimeoutError"} at the time limit, or
 *     {@code null} when the code completed
 * @param excInfo the exception's args and attributes, or {@code null}
 * @param excStack the user's frames of the traceback (engine frames removed), or {@code null}
 * @param ending how the run ended
 * @param exitCode the exit code for {@link Ending#EXITED}, else {@code null}
 * @param signal the signal number for {@link Ending#CRASHED}, else {@code null}
 * @param stateKept whether the session's variables survived the run
 * @param resources what the run used
 * @param streams which stream each {@code termOut} item (but the closing line) came from,
 *     as runs of consecutive items
 * @param droppedBytes UTF-8 bytes of output dropped past the output limit (head and tail kept)
 * @param causes the chain below {@code excType}: {@code __cause__} / {@code __context__}
 * @param syntaxError where a {@code SyntaxError} points, else {@code null}
 * @param limitHit the resource limit the run ran into ({@code "memory"}, {@code "cpu"},
 *     {@code "processes"}, {@code "file_size"}, {@code "open_files"}, {@code "output"}), else
 *     {@code null}; {@code termOut} then says so in one line before the closing line
 * @param isolation the isolation level the run had
 */
public record ExecutionResult(
        List<String> termOut,
        Duration execTime,
        String excType,
        ExceptionInfo excInfo,
        List<StackFrame> excStack,
        Ending ending,
        Integer exitCode,
        Integer signal,
        boolean stateKept,
        ResourceUsage resources,
        List<StreamRun> streams,
        long droppedBytes,
        List<ChainedException> causes,
        SyntaxErrorLocation syntaxError,
        String limitHit,
        IsolationLevel isolation) {

    public ExecutionResult {
        // the recorder's texts are immutable already, and copying them would make a string
        // of every packed write
        termOut = termOut instanceof SegmentedTexts ? termOut : List.copyOf(termOut);
        Objects.requireNonNull(execTime, "execTime");
        excStack = excStack == null ? null : List.copyOf(excStack);
        Objects.requireNonNull(ending, "ending");
        Objects.requireNonNull(resources, "resources");
        streams = List.copyOf(streams);
        causes = List.copyOf(causes);
        Objects.requireNonNull(isolation, "isolation");
        if (droppedBytes < 0) {
            throw new IllegalArgumentException("droppedBytes must not be negative");
        }
    }

    /** The output without the closing line, joined: what a terminal would have shown. */
    public String output() {
        return String.join("", termOut.subList(0, Math.max(0, termOut.size() - 1)));
    }

    /** The output as tagged chunks (the closing line left out). */
    public List<OutputChunk> chunks() {
        List<OutputChunk> chunks = new ArrayList<>();
        int i = 0;
        for (StreamRun run : streams) {
            for (int k = 0; k < run.count(); k++) {
                chunks.add(new OutputChunk(run.stream(), termOut.get(i++)));
            }
        }
        return chunks;
    }

    /** {@code exec_time} in seconds, as the reference reports it. */
    public double execTimeSeconds() {
        return execTime.toNanos() / 1e9;
    }

    /**
     * This result as one JSON object: the reference's five fields first, with its names and
     * meaning, then {@code ending}, {@code exit_code}, {@code signal}, {@code state_kept},
     * {@code resources}, {@code streams}, {@code dropped_bytes}, {@code causes},
     * {@code syntax_error}, {@code limit_hit}, {@code isolation}.
     */
    public String toJson() {
        return ResultJson.write(this);
    }

    /**
     * Writes the same JSON as {@link #toJson()}, UTF-8, straight to {@code out} (left open),
     * without building it in memory: for results with a lot of output.
     */
    public void writeJson(java.io.OutputStream out) throws java.io.IOException {
        ResultJson.write(this, out);
    }
}
