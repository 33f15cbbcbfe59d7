package org.pyexec4j.internal.output;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.pyexec4j.OutputChunk;
import org.pyexec4j.OutputListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the calls to one run's output listener: they happen on a thread of the executor, one
 * at a time, in the order offered, never on the thread that reads the worker. A listener as
 * slow as the client it writes to would otherwise hold that thread, which reads every
 * session's worker, and hold the worker's sends with it: the interrupt at the run's limit
 * waits for a send to finish, and the run was killed after its grace. What is offered is
 * bounded by the recorder (the head of the output, one note, the traceback).
 */
final class ListenerFeed {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerFeed.class);

    private final OutputListener listener;
    private final Executor executor;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(); // OutputChunk, or Traceback; guarded by this
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private boolean delivering; // guarded by this
    private boolean closed; // guarded by this

    private record Traceback(String text) {}

    /** Whether this thread is calling a listener now (see {@link #inListener()}). */
    private static final ThreadLocal<Boolean> CALLING = ThreadLocal.withInitial(() -> false);

    /**
     * Whether the calling thread is inside an output listener: closing from there would wait
     * for the run whose listener it is, which cannot end before the listener returns.
     */
    static boolean inListener() {
        return CALLING.get();
    }

    ListenerFeed(OutputListener listener, Executor executor) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    void output(OutputChunk chunk) {
        offer(chunk);
    }

    void traceback(String text) {
        offer(new Traceback(text));
    }

    /** Nothing more will be offered; {@link #done()} completes once everything was delivered. */
    void close() {
        synchronized (this) {
            closed = true;
            if (delivering || !waiting.isEmpty()) {
                return;
            }
        }
        done.complete(null);
    }

    /** Completes once the feed is closed and the listener has had everything offered. */
    CompletableFuture<Void> done() {
        return done;
    }

    private void offer(Object item) {
        synchronized (this) {
            if (closed) {
                return;
            }
            waiting.addLast(item);
            if (delivering) {
                return;
            }
            delivering = true;
        }
        try {
            executor.execute(this::deliver);
        } catch (RejectedExecutionException e) { // the engine is closing: deliver here
            deliver();
        }
    }

    private void deliver() {
        while (true) {
            Object item;
            synchronized (this) {
                item = waiting.pollFirst();
                if (item == null) {
                    delivering = false;
                    if (!closed) {
                        return;
                    }
                }
            }
            if (item == null) {
                done.complete(null);
                return;
            }
            call(item);
        }
    }

    private void call(Object item) {
        CALLING.set(true);
        try {
            if (item instanceof Traceback t) {
                listener.onTraceback(t.text());
            } else {
                listener.onOutput((OutputChunk) item);
            }
        } catch (RuntimeException | Error e) { // an AssertionError of a test's listener too: the run goes on
            LOG.warn("output listener threw; output goes on being recorded", e);
        } finally {
            CALLING.set(false);
        }
    }
}
