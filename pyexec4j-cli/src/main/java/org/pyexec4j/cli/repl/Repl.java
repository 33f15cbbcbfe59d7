package org.pyexec4j.cli.repl;

import java.io.PrintWriter;
import java.util.Objects;
import org.pyexec4j.Ending;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.RunRequest;
import org.pyexec4j.StdStream;

/**
 * The read-eval-print loop, apart from the terminal: lines come from a {@link LineSource},
 * output goes to two writers. One persistent session holds the user's state; a helper session
 * decides when typed input is complete. Ctrl-C while code runs: {@link #interruptRunning()}.
 */
public final class Repl {
    static final String PROMPT = ">>> ";
    static final String CONTINUATION = "... ";

    private final Interpreter py;
    private final LineSource lines;
    private final PrintWriter out;
    private final PrintWriter err;
    private final String session;
    private final InputClassifier classifier;
    private final String exitMarker = "\u0000pyexec4j-exit-" + java.util.UUID.randomUUID() + ":";
    private volatile boolean running;

    /**
     * @param session the session that keeps the user's state
     */
    public Repl(Interpreter py, LineSource lines, PrintWriter out, PrintWriter err, String session) {
        this.py = Objects.requireNonNull(py, "py");
        this.lines = Objects.requireNonNull(lines, "lines");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.session = Objects.requireNonNull(session, "session");
        this.classifier = new InputClassifier(py, session + "-input");
    }

    /** The greeting: Python's version and how to leave. */
    public String banner() {
        String version;
        try {
            version = "Python " + py.python().version();
        } catch (RuntimeException e) {
            version = "Python";
        }
        return version + " in pyexec4j (session '" + session + "'). Ctrl-C interrupts, Ctrl-D leaves.";
    }

    /**
     * Reads, runs and prints until Ctrl-D or {@code exit()}.
     *
     * @return the exit status: 0, or the code given to {@code exit()} / {@code sys.exit()}
     */
    public int loop() {
        StringBuilder buffer = new StringBuilder();
        try {
            while (true) {
                String line;
                try {
                    line = lines.readLine(buffer.isEmpty() ? PROMPT : CONTINUATION);
                } catch (LineSource.Interrupted e) {
                    out.println("KeyboardInterrupt");
                    out.flush();
                    buffer.setLength(0);
                    continue;
                } catch (LineSource.EndOfInput e) {
                    out.println();
                    out.flush();
                    return 0;
                }
                if (buffer.isEmpty() && line.isBlank()) {
                    continue;
                }
                if (!buffer.isEmpty()) {
                    buffer.append('\n');
                }
                buffer.append(line);
                InputClassifier.Kind kind = classifier.classify(buffer.toString());
                if (kind == InputClassifier.Kind.INCOMPLETE) {
                    continue;
                }
                String source = buffer.toString();
                buffer.setLength(0);
                if (kind == InputClassifier.Kind.EMPTY) {
                    continue;
                }
                Integer exit = execute(source);
                if (exit != null) {
                    return exit;
                }
            }
        } finally {
            classifier.close();
        }
    }

    /** Ctrl-C while code runs: interrupts it (KeyboardInterrupt); the session is kept. */
    public void interruptRunning() {
        if (running) {
            py.interrupt(session);
        }
    }

    /** Runs one complete input; returns an exit status when the code asked to leave, else null. */
    Integer execute(String source) {
        ExitRequest exit = new ExitRequest();
        RunRequest request = new RunRequest(PythonSource.run(source, exitMarker), session, false, null, chunk -> {
            String text = chunk.stream() == StdStream.STDOUT ? exit.takeFrom(chunk.text()) : chunk.text();
            PrintWriter w = chunk.stream() == StdStream.STDOUT ? out : err;
            w.print(text);
            w.flush();
        });
        ExecutionResult result;
        running = true;
        try {
            result = py.run(request);
        } catch (PyExec4jException e) {
            err.println("pyexec4j: " + e.getMessage());
            err.flush();
            return null;
        } finally {
            running = false;
        }
        if (exit.status != null) {
            return exit.status;
        }
        return afterRun(result);
    }

    /** Finds the wrapper's exit marker in the output, takes it out and keeps the status. */
    private final class ExitRequest {
        Integer status;

        String takeFrom(String text) {
            int at = text.indexOf(exitMarker);
            if (at < 0) {
                return text;
            }
            int end = text.indexOf('\n', at);
            end = end < 0 ? text.length() : end;
            try {
                status = Integer.parseInt(text.substring(at + exitMarker.length(), end).strip());
            } catch (NumberFormatException e) {
                status = 1;
            }
            return text.substring(0, at) + text.substring(Math.min(text.length(), end + 1));
        }
    }

    private Integer afterRun(ExecutionResult result) {
        Ending ending = result.ending();
        String closing = result.termOut().isEmpty() ? "" : result.termOut().get(result.termOut().size() - 1).strip();
        switch (ending) {
            case EXITED: // os._exit(): the process is gone
                return result.exitCode() == null ? 0 : result.exitCode() & 0xff;
            case TIMED_OUT:
                err.println(closing);
                break;
            case KILLED_AFTER_GRACE:
                err.println(closing + " (it ignored the interrupt and was killed; its variables are lost)");
                break;
            case CRASHED:
                err.println("the Python process was killed by signal " + result.signal()
                        + "; its variables are lost, the next input starts afresh");
                break;
            default:
                if (!result.stateKept()) {
                    err.println("(the session's variables were lost; the next input starts afresh)");
                }
                break;
        }
        err.flush();
        return null;
    }
}
