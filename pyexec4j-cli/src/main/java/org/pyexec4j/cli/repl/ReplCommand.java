package org.pyexec4j.cli.repl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.pyexec4j.Interpreter;
import org.pyexec4j.cli.CliException;
import org.pyexec4j.cli.EngineOptions;
import org.pyexec4j.cli.Streams;
import org.pyexec4j.cli.VersionProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pyexec4j repl}: an interactive persistent session on the terminal. */
@Command(name = "repl",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "An interactive Python session that keeps its state, with line editing and history:"
                    + " '... ' asks for more of an unfinished statement, the value of an expression is"
                    + " shown, Ctrl-C interrupts the running code (the session is kept) or clears the"
                    + " line, Ctrl-D or exit() leaves.",
        })
public final class ReplCommand implements Callable<Integer> {
    static final String SESSION = "repl";

    private final Streams streams;

    @Option(names = "--history", paramLabel = "FILE",
            description = "History file. Default: ~/.pyexec4j_history.")
    Path history;

    @Option(names = "--no-banner", description = "Do not print the greeting.")
    boolean noBanner;

    @Mixin
    EngineOptions engine;

    public ReplCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        try (Interpreter py = engine.open(); Terminal terminal = terminal()) {
            LineReader reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("pyexec4j")
                    .variable(LineReader.HISTORY_FILE, historyFile())
                    .variable(LineReader.HISTORY_FILE_SIZE, 10_000)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is Python, not history
                    .option(LineReader.Option.INSERT_TAB, true) // Tab indents
                    .build();
            PrintWriter out = terminal.writer();
            Repl repl = new Repl(py, prompt -> readLine(reader, prompt), out, out, SESSION);
            Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> repl.interruptRunning());
            try {
                if (!noBanner) {
                    out.println(repl.banner());
                    out.flush();
                }
                return repl.loop();
            } finally {
                terminal.handle(Terminal.Signal.INT, previous);
                try {
                    reader.getHistory().save();
                } catch (IOException e) {
                    // the history is a convenience: losing it is no failure
                }
            }
        } catch (IOException e) {
            throw new CliException("cannot open the terminal: " + e.getMessage());
        }
    }

    private Terminal terminal() throws IOException {
        if (streams.processStreams()) {
            // the real terminal, or a dumb one when stdin is not a terminal (piped input)
            return TerminalBuilder.builder().name("pyexec4j").system(true).dumb(true).build();
        }
        // streams of a test or an embedding program: read them as they are, without a terminal
        return new DumbTerminal("pyexec4j", Terminal.TYPE_DUMB, streams.in(), streams.out(), StandardCharsets.UTF_8);
    }

    private Path historyFile() {
        if (history != null) {
            return history;
        }
        // $HOME first, as shells and Python's own REPL take it; Java's user.home is the passwd entry's
        String home = System.getenv("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home == null ? "." : home, ".pyexec4j_history");
    }

    private static String readLine(LineReader reader, String prompt)
            throws LineSource.Interrupted, LineSource.EndOfInput {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            throw new LineSource.Interrupted();
        } catch (EndOfFileException e) {
            throw new LineSource.EndOfInput();
        }
    }
}
