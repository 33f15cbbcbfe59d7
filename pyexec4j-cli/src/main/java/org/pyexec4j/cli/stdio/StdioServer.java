package org.pyexec4j.cli.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
    /** The sessions with requests queued or answered; a lane is forgotten when closed and idle. */
    private final Map<String, SessionLane> lanes = new HashMap<>(); // guarded by itself

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
            serveUntilEnd();
        } finally {
            py.close();
        }
        return 0;
    }

    /** Serves until the end of the input and answers what was received; the interpreter stays open. */
    void serveUntilEnd() {
        try {
            readAll();
            finishQueued();
        } finally {
            shutDownExecutor();
        }
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
                writer.error(parser.idAtStart(tooLong.start()), BadRequest.Code.TOO_LARGE, "the request line has "
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
            SessionLane lane;
            synchronized (lanes) {
                lane = lanes.get(interrupt.session());
            }
            if (lane == null || !lane.interruptOldest()) {
                py.interrupt(interrupt.session()); // none of our runs is pending there: harmless
            }
            writer.ok(interrupt.id());
        } else if (request instanceof Request.Run run) {
            synchronized (lanes) {
                lane(run.session()).run(run);
            }
        } else if (request instanceof Request.Close close) {
            SessionLane lane;
            CompletableFuture<Void> closed;
            synchronized (lanes) {
                lane = lane(close.session());
                closed = lane.close(close);
            }
            closed.thenRun(() -> forgetIfIdle(close.session(), lane, closed));
        } else {
            throw new IllegalStateException("unhandled request " + request);
        }
    }

    private SessionLane lane(String session) {
        return lanes.computeIfAbsent(session, s -> new SessionLane(s, py, writer, executor));
    }

    /** A closed session that got no request since is forgotten: unique session names cost nothing. */
    private void forgetIfIdle(String session, SessionLane lane, CompletableFuture<Void> closed) {
        synchronized (lanes) {
            if (lanes.get(session) == lane && lane.idleAfter(closed)) {
                lanes.remove(session);
            }
        }
    }

    /** The number of sessions with a queue (for tests). */
    int laneCount() {
        synchronized (lanes) {
            return lanes.size();
        }
    }

    private void finishQueued() {
        List<CompletableFuture<Void>> tails = new ArrayList<>();
        synchronized (lanes) {
            for (SessionLane lane : lanes.values()) {
                tails.add(lane.tail());
            }
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
