package org.pyexec4j.cli.repl;

import java.time.Duration;
import java.util.stream.Collectors;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.RunRequest;
import org.pyexec4j.StdStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether typed input is complete, by asking Python ({@code codeop}) in a helper
 * session of its own, so the user's session and its state are never touched.
 */
final class InputClassifier {
    private static final Logger log = LoggerFactory.getLogger(InputClassifier.class);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    /** What the typed input is. */
    enum Kind {
        /** Only blank lines and comments: nothing to run. */
        EMPTY,
        /** More lines needed: show the continuation prompt. */
        INCOMPLETE,
        /** A whole statement: run it. */
        COMPLETE,
        /** Cannot become valid: run it anyway, so Python reports the error as it would. */
        INVALID
    }

    private final Interpreter py;
    private final String session;

    InputClassifier(Interpreter py, String session) {
        this.py = py;
        this.session = session;
    }

    Kind classify(String source) {
        try {
            ExecutionResult r = py.run(new RunRequest(PythonSource.classify(source), session, false, LIMIT, null));
            String answer = r.chunks().stream()
                    .filter(c -> c.stream() == StdStream.STDOUT)
                    .map(c -> c.text())
                    .collect(Collectors.joining())
                    .strip();
            return switch (answer) {
                case "empty" -> Kind.EMPTY;
                case "incomplete" -> Kind.INCOMPLETE;
                case "complete" -> Kind.COMPLETE;
                case "invalid" -> Kind.INVALID;
                default -> {
                    log.debug("unexpected answer from the classifier: {} / {}", answer, r.output());
                    yield Kind.COMPLETE;
                }
            };
        } catch (PyExec4jException e) {
            log.debug("cannot classify the input; running it as it is: {}", e.getMessage());
            return Kind.COMPLETE;
        }
    }

    void close() {
        try {
            py.closeSession(session);
        } catch (RuntimeException e) {
            log.debug("closing the classifier session failed: {}", e.toString());
        }
    }
}
