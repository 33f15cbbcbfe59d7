package org.pyexec4j.cli.stdio;

import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.pyexec4j.Interpreter;
import org.pyexec4j.cli.CliException;
import org.pyexec4j.cli.EngineOptions;
import org.pyexec4j.cli.Streams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pyexec4j stdio}: serves the JSON-Lines protocol on stdin/stdout. */
@Command(name = "stdio",
        mixinStandardHelpOptions = true,
        versionProvider = org.pyexec4j.cli.VersionProvider.class,
        description = {
            "Serves the stdio protocol: one JSON request per line on stdin, one JSON answer per line"
                    + " on stdout (UTF-8); logs go to stderr.",
            "Requests: {\"id\": 1, \"op\": \"run\"|\"close\"|\"interrupt\"|\"ping\", \"session\": \"a\","
                    + " \"code\": \"print(1)\", \"reset\": true, \"timeout\": 2.5, \"stream\": false}.",
            "A session's requests run in order; sessions run concurrently. At the end of stdin the"
                    + " runs received are finished and answered, every session is closed, and the exit"
                    + " status is 0."
        })
public final class StdioCommand implements Callable<Integer> {
    private final Streams streams;

    @Option(names = "--max-line", paramLabel = "BYTES", hidden = true,
            description = "Longest request line accepted (default 64 MiB).")
    int maxLineBytes = StdioServer.DEFAULT_MAX_LINE_BYTES;

    @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "20", converter = org.pyexec4j.cli.Converters.Seconds.class,
            description = "Before reading stdin, serve the server's own warm-up requests until the JIT"
                    + " compiler is quiet, for at most this long, so that the first real requests meet"
                    + " compiled code, not a cold JVM (default: ${DEFAULT-VALUE} s; 0 turns it off).")
    java.time.Duration warmUp;

    @Mixin
    EngineOptions engine;

    public StdioCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        if (maxLineBytes < 1024) {
            throw new CliException("--max-line must be at least 1024 bytes, was " + maxLineBytes);
        }
        PrintStream stdout = System.out;
        // Stdout carries protocol lines only: whatever else prints to System.out goes to stderr.
        System.setOut(System.err);
        try (Interpreter py = engine.open()) {
            AnswerPipe.enlarge(py.python().executable());
            // said on stderr, the log: a user at a terminal should not think it hangs, and a
            // client may wait for "ready" whether or not it warms up
            PrintStream log = new PrintStream(streams.err(), true, java.nio.charset.StandardCharsets.UTF_8);
            if (!warmUp.isZero() && engine.keepsWorkingDirectories()) {
                // the warm-up opens and closes sessions by the hundred: each would leave a directory
                log.println("pyexec4j stdio: ready (no warm-up with --keep-workdir: its sessions would leave"
                        + " their directories behind)");
            } else if (!warmUp.isZero()) {
                log.println("pyexec4j stdio: warming up (at most " + warmUp.toSeconds() + " s; --warm-up 0 skips it)");
                long start = System.nanoTime();
                ServerWarmUp.run(py, warmUp, maxLineBytes);
                log.printf("pyexec4j stdio: ready (warmed up in %.1f s)%n", (System.nanoTime() - start) / 1e9);
            } else {
                log.println("pyexec4j stdio: ready");
            }
            StdioServer server = new StdioServer(py, streams.in(),
                    new BufferedOutputStream(streams.out(), 1 << 16), maxLineBytes);
            return server.serve();
        } finally {
            System.setOut(stdout);
        }
    }
}
