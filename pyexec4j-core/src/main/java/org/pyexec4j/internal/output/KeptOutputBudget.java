package org.pyexec4j.internal.output;

/**
 * The memory all runs together may keep output in. Each run's output is bounded (its head and
 * tail), but many sessions flooding at once each kept up to their own limit: 100 runs of 80 MB
 * filled a 6 GB heap, and the JVM stopped serving every session. A run that finds the budget
 * spent keeps no more than it has: what it writes beyond that is dropped from the middle and
 * counted, as past its own limit, and its result says why. A run gives its share back when its
 * result is made. Thread-safe.
 */
public final class KeptOutputBudget {
    private final long total;
    private long used;

    public KeptOutputBudget(long totalBytes) {
        this.total = totalBytes;
    }

    /** A share of the heap: the rest holds output in flight, the results being answered, and all else. */
    public static KeptOutputBudget ofHeap() {
        return new KeptOutputBudget(Runtime.getRuntime().maxMemory() / 6);
    }

    /** Takes up to {@code bytes}; returns how many it took (fewer, or none, once the budget is spent). */
    synchronized long take(long bytes) {
        long granted = Math.max(0, Math.min(bytes, total - used));
        used += granted;
        return granted;
    }

    /**
     * Takes all of {@code bytes} if as much as {@code leaving} is left after it, else nothing: a
     * run's head leaves room for runs' tails, which hold the end of their output.
     */
    synchronized boolean takeLeaving(long bytes, long leaving) {
        if (total - used - bytes < leaving) {
            return false;
        }
        used += bytes;
        return true;
    }

    synchronized void give(long bytes) {
        used = Math.max(0, used - bytes);
    }

    public long totalBytes() {
        return total;
    }
}
