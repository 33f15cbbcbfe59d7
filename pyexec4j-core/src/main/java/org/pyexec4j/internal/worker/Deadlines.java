package org.pyexec4j.internal.worker;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the one thread of an engine that runs short tasks at a time: killing runs at their
 * timeout + grace, giving up on connections, ending replaced workers. A task asked for
 * once the engine is closing is dropped: the engine ends every worker itself then.
 *
 * <p>Every run asks for a task (its kill at timeout + grace) and almost every run cancels
 * it. The thread is woken only for a task due before the one it already waits for: a
 * scheduler that is handed each task wakes its thread at every run (the new task is the
 * first in its queue once the last one was cancelled), which costs a thread switch per
 * run. Tasks wait here, earliest first, and the thread takes what is due when it wakes.
 */
public final class Deadlines implements AutoCloseable {
    /**
     * A task asked for; {@link #cancel()} keeps it from running if it has not yet. Tasks due
     * at the same nanosecond run in the order asked ({@code order} is unique).
     */
    public record Pending(long dueNanos, long order, Runnable task, Deadlines owner) implements Comparable<Pending> {
        public void cancel() {
            if (owner != null) {
                owner.waiting.remove(this);
            }
        }

        @Override
        public int compareTo(Pending other) {
            int byTime = Long.compare(dueNanos - other.dueNanos, 0); // nanoTime may wrap
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Deadlines.class);
    private static final Pending DROPPED = new Pending(0, 0, () -> { }, null);

    private final ScheduledThreadPoolExecutor thread;
    private final ConcurrentSkipListSet<Pending> waiting = new ConcurrentSkipListSet<>();
    private final AtomicLong asked = new AtomicLong();
    /** The thread's next wake, at armedNanos; null when none is set. Guarded by this. */
    private ScheduledFuture<?> wake;
    private long armedNanos; // guarded by this

    public Deadlines(String threadName) {
        thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true); // a wake set sooner leaves nothing queued
    }

    /** Runs {@code task} after {@code delay}, unless cancelled; dropped when the engine is closing. */
    public Pending after(Duration delay, Runnable task) {
        if (thread.isShutdown()) {
            return DROPPED;
        }
        Pending p = new Pending(System.nanoTime() + delay.toNanos(), asked.incrementAndGet(), task, this);
        waiting.add(p);
        wakeBy(p.dueNanos);
        return p;
    }

    /**
     * Makes sure the thread wakes by {@code dueNanos}: wakes it sooner only if it would wake
     * later (the later wake is then cancelled, so that wakes do not pile up when each task
     * asked for is due a little sooner than the one before).
     */
    private synchronized void wakeBy(long dueNanos) {
        if (wake != null && armedNanos - dueNanos <= 0) {
            return;
        }
        if (wake != null) {
            wake.cancel(false);
        }
        try {
            wake = thread.schedule(this::runDue, Math.max(0, dueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            armedNanos = dueNanos;
        } catch (RejectedExecutionException e) {
            wake = null;
            waiting.clear(); // closing: the engine ends every worker itself
        }
    }

    /** On the thread: runs the tasks that are due, then sets the wake for the next one. */
    private void runDue() {
        synchronized (this) {
            wake = null; // a task asked for from now on sets a wake, or the one below does
        }
        for (Iterator<Pending> it = waiting.iterator(); it.hasNext(); it = waiting.iterator()) {
            Pending first = it.next();
            if (first.dueNanos - System.nanoTime() > 0) {
                wakeBy(first.dueNanos);
                return;
            }
            if (waiting.remove(first)) { // else cancelled just now
                try {
                    first.task.run();
                } catch (RuntimeException e) {
                    LOG.error("a deadline task failed", e);
                }
            }
        }
    }

    /** Wakes set and not yet come (for tests). */
    int wakesQueued() {
        return thread.getQueue().size();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        waiting.clear();
    }
}
