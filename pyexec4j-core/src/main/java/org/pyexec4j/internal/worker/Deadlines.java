package org.pyexec4j.internal.worker;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Owns the one thread of an engine that runs short tasks at a time: killing runs at their
 * timeout + grace, giving up on connections, ending replaced workers. A task asked for
 * once the engine is closing is dropped: the engine ends every worker itself then.
 */
public final class Deadlines implements AutoCloseable {
    private final ScheduledThreadPoolExecutor thread;

    public Deadlines(String threadName) {
        thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true); // a run that ends in time leaves nothing queued
    }

    /** Runs {@code task} after {@code delay}; empty when the engine is closing. */
    public Optional<ScheduledFuture<?>> after(Duration delay, Runnable task) {
        try {
            return Optional.of(thread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
