package org.pyexec4j.cli.stdio;

import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.OutputChunk;
import org.pyexec4j.RunRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's queue: its {@code run} and {@code close} requests, one after another in the
 * order received, each answered when it ends. Requests are chained on futures, so a waiting
 * session holds no thread.
 */
final class SessionLane {
    private static final Logger log = LoggerFactory.getLogger(SessionLane.class);
    private static final long INTERRUPT_RETRY_MILLIS = 5;
    private static final long LARGE_ANSWER_CHARS = 256 * 1024;
    private static final int LARGE_ANSWER_WRITES = 64 * 1024;

    private final String session;
    private final Interpreter py;
    private final ProtocolWriter writer;
    private final Executor executor;
    /** Runs received and not yet answered, oldest first. */
    private final Deque<PendingRun> pending = new ConcurrentLinkedDeque<>();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    SessionLane(String session, Interpreter py, ProtocolWriter writer, Executor executor) {
        this.session = session;
        this.py = py;
        this.writer = writer;
        this.executor = executor;
    }

    /**
     * Queues a run; its events and result are written as they come. The run is handed to the
     * engine as soon as the one before it is answered: on the calling thread when the session is
     * idle, else on the thread that answered the previous one ({@link Interpreter#runAsync} only
     * queues, it does not block).
     */
    synchronized void run(Request.Run request) {
        PendingRun run = new PendingRun(request);
        pending.addLast(run);
        tail = tail.exceptionally(e -> null).thenCompose(ignored -> run.start());
    }

    /**
     * Queues a close: it ends the session after the runs received before it.
     *
     * @return completes once the close is answered
     */
    synchronized CompletableFuture<Void> close(Request.Close request) {
        tail = tail.exceptionally(e -> null).thenRunAsync(() -> {
            try {
                py.closeSession(session);
                writer.ok(request.id());
            } catch (RuntimeException e) {
                writer.error(request.id(), BadRequest.Code.ENGINE_ERROR, StdioServer.failureMessage(e));
            }
        }, executor);
        return tail;
    }

    /** Whether nothing was queued after {@code step}, which has completed. */
    synchronized boolean idleAfter(CompletableFuture<Void> step) {
        return tail == step && pending.isEmpty();
    }

    /** Completes when everything queued so far is answered. */
    synchronized CompletableFuture<Void> tail() {
        return tail;
    }

    /**
     * Interrupts the oldest run received and not yet answered, now if it runs, or as soon as
     * it starts.
     *
     * @return whether there was such a run
     */
    boolean interruptOldest() {
        PendingRun oldest = pending.peekFirst();
        if (oldest == null) {
            return false;
        }
        oldest.requestInterrupt();
        return true;
    }

    /** One run from request to answer. */
    private final class PendingRun {
        private final Request.Run request;
        private final AtomicBoolean interruptRequested = new AtomicBoolean();
        private final AtomicBoolean interrupting = new AtomicBoolean();
        private volatile CompletableFuture<ExecutionResult> future;
        private boolean answered; // guarded by this

        PendingRun(Request.Run request) {
            this.request = request;
        }

        CompletableFuture<Void> start() {
            RunRequest run = new RunRequest(request.code(), session, request.reset(), request.timeout(),
                    request.stream() ? this::event : null);
            CompletableFuture<ExecutionResult> f;
            try {
                f = py.runAsync(run);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            future = f;
            if (interruptRequested.get()) {
                startInterrupting();
            }
            // answered on the thread that ends the run (usually the engine's IO thread: no
            // switch between threads); a big answer is written from another, since the IO
            // thread serves every session
            return f.handle((result, failure) -> {
                if (failure == null && isLarge(result)) {
                    return CompletableFuture.runAsync(() -> answerLarge(result), executor);
                }
                answer(result, failure);
                return CompletableFuture.<Void>completedFuture(null);
            }).thenCompose(answered -> answered);
        }

        private static boolean isLarge(ExecutionResult result) {
            if (result.termOut().size() > LARGE_ANSWER_WRITES) {
                return true; // many writes: large, without making a string of each to see
            }
            long chars = 0;
            for (String text : result.termOut()) {
                chars += text.length();
                if (chars > LARGE_ANSWER_CHARS) {
                    return true;
                }
            }
            return false;
        }

        void requestInterrupt() {
            interruptRequested.set(true);
            if (future != null) {
                startInterrupting();
            }
        }

        /** Asks the engine to interrupt until it says code was running, or the run ends. */
        private void startInterrupting() {
            if (!interrupting.compareAndSet(false, true)) {
                return;
            }
            CompletableFuture<ExecutionResult> f = future;
            if (py.interrupt(session) || f.isDone()) {
                return;
            }
            executor.execute(() -> {
                try {
                    while (!f.isDone()) {
                        if (py.interrupt(session)) {
                            return;
                        }
                        Thread.sleep(INTERRUPT_RETRY_MILLIS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    log.debug("interrupting session '{}' failed: {}", session, e.toString());
                }
            });
        }

        private synchronized void event(OutputChunk chunk) {
            if (!answered) { // never an event after the result line
                writer.output(request.id(), chunk.stream(), chunk.text());
            }
        }

        /** A big result goes out as it is turned into JSON, not built as text first. */
        private void answerLarge(ExecutionResult result) {
            synchronized (this) {
                answered = true;
                writer.resultStreamed(request.id(), result);
            }
            pending.remove(this);
        }

        private void answer(ExecutionResult result, Throwable failure) {
            String json = null;
            if (failure == null) {
                try {
                    json = result.toJson();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            synchronized (this) {
                answered = true;
                if (failure == null) {
                    writer.result(request.id(), json);
                } else {
                    log.debug("run {} in session '{}' failed", request.id(), session, failure);
                    writer.error(request.id(), BadRequest.Code.ENGINE_ERROR, StdioServer.failureMessage(failure));
                }
            }
            pending.remove(this);
        }
    }
}
