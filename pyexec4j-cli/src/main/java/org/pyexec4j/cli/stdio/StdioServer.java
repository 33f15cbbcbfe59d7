package org.pyexec4j.cli.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.pyexec4j.Interpreter;
import org.pyexec4j.PyExec4jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the stdio protocol ({@code protocol.md}) over an interpreter: reads request lines,
 * answers {@code ping} and {@code interrupt} at once, and queues {@code run} and {@code close}
 * per session ({@link SessionLane}): one session's requests in order, sessions concurrently.
 * At the end of the input it finishes and answers what it received, closes the interpreter
 * and returns.
 */
public final class StdioServer {
    /** Longest request line accepted: longer ones are read through and answered with an error. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 << 20;

    private static final Logger log = LoggerFactory.getLogger(StdioServer.class);

    private final Interpreter py;
    private final InputStream in;
    private final int maxLineBytes;
    private final RequestParser parser;
    private final ProtocolWriter writer;
    private final ExecutorService executor;
    private final Map<String, SessionLane> lanes = new ConcurrentHashMap<>();

    public StdioServer(Interpreter py, InputStream in, OutputStream out, int maxLineBytes) {
        this.py = py;
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.parser = new RequestParser(maxLineBytes);
        this.writer = new ProtocolWriter(out, parser.factory());
        this.executor = Executors.newCachedThreadPool(named("pyexec4j-stdio-"));
    }

    /**
     * Serves until the end of the input, then waits for the queued requests, answers them and
     * closes the interpreter.
     *
     * @return the exit status: 0
     */
    public int serve() {
        try {
            readAll();
            finishQueued();
        } finally {
            py.close();
            shutDownExecutor();
        }
        return 0;
    }

    private void readAll() {
        LineInput lines = new LineInput(in, maxLineBytes);
        while (true) {
            LineInput.Item item;
            try {
                item = lines.next();
            } catch (IOException e) {
                log.warn("cannot read stdin any more ({}); finishing as at its end", e.toString());
                return;
            }
            if (item instanceof LineInput.End) {
                return;
            }
            if (item instanceof LineInput.TooLong tooLong) {
                writer.error(RequestId.NONE, BadRequest.Code.TOO_LARGE, "the request line has "
                        + tooLong.length() + " bytes, more than the limit of " + maxLineBytes + " bytes");
                continue;
            }
            LineInput.Line line = (LineInput.Line) item;
            if (isBlank(line)) {
                continue;
            }
            try {
                dispatch(parser.parse(line.bytes(), line.length()));
            } catch (BadRequest e) {
                writer.error(e.id(), e.code(), e.getMessage());
            }
        }
    }

    private void dispatch(Request request) {
        if (request instanceof Request.Ping ping) {
            writer.ok(ping.id());
        } else if (request instanceof Request.Interrupt interrupt) {
            SessionLane lane = lanes.get(interrupt.session());
            if (lane == null || !lane.interruptOldest()) {
                py.interrupt(interrupt.session()); // none of our runs is pending there: harmless
            }
            writer.ok(interrupt.id());
        } else if (request instanceof Request.Run run) {
            lane(run.session()).run(run);
        } else if (request instanceof Request.Close close) {
            lane(close.session()).close(close);
        } else {
            throw new IllegalStateException("unhandled request " + request);
        }
    }

    private SessionLane lane(String session) {
        return lanes.computeIfAbsent(session, s -> new SessionLane(s, py, writer, executor));
    }

    private void finishQueued() {
        List<CompletableFuture<Void>> tails = new ArrayList<>();
        for (SessionLane lane : lanes.values()) {
            tails.add(lane.tail());
        }
        try {
            CompletableFuture.allOf(tails.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            log.warn("a queued request failed at the end: {}", e.toString());
        }
    }

    private void shutDownExecutor() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isBlank(LineInput.Line line) {
        byte[] b = line.bytes();
        for (int i = 0; i < line.length(); i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    /** The message of an engine failure, for an error line. */
    static String failureMessage(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        String prefix = cause instanceof PyExec4jException ? "" : cause.getClass().getSimpleName() + ": ";
        return RequestParser.shorten(prefix + cause.getMessage());
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
