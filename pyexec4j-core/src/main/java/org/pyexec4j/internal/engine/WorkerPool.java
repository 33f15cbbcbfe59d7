package org.pyexec4j.internal.engine;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Function;
import org.pyexec4j.internal.worker.WorkerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a few forked, connected workers ready so that a fresh interpreter state costs no
 * fork on the request path, and up to {@value #PREPARED_SESSIONS} of them prepared for the
 * sessions that last asked for fresh states. Refills run in the background: after the run
 * that took a spare (so they do not compete with it), or at once when a take empties the
 * pool. Fresh states asked for faster than a worker starts (a few ms of CPU) do wait.
 */
final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    /** How many sessions may have a spare prepared for them at once. */
    private static final int PREPARED_SESSIONS = 2;

    private final int spares;
    /** Starts a worker; true: for the pool (it rehearses the run path while it waits), false: wanted now. */
    private final Function<Boolean, WorkerProcess> starter;
    private final ExecutorService refiller;
    private final Deque<WorkerProcess> ready = new ArrayDeque<>();
    /**
     * Spares already made workers of one session each (its directory, its user), for the
     * sessions that last asked for fresh states; the oldest goes when the cap is reached.
     */
    private final LinkedHashMap<String, WorkerProcess> prepared = new LinkedHashMap<>();
    private int starting;
    private boolean closed;

    WorkerPool(int spares, Function<Boolean, WorkerProcess> starter, ExecutorService refiller) {
        this.spares = spares;
        this.starter = starter;
        this.refiller = refiller;
    }

    /** A ready worker: a spare if one is there, else one started now. */
    WorkerProcess take() {
        WorkerProcess w;
        synchronized (this) {
            w = ready.pollFirst();
        }
        refill();
        while (w != null && !w.isUsable()) {
            w.close();
            synchronized (this) {
                w = ready.pollFirst();
            }
        }
        return w != null ? w : starter.apply(false);
    }

    /** The spare prepared for this session, if there is a usable one; it is no longer held. */
    WorkerProcess takePrepared(String session) {
        WorkerProcess w;
        synchronized (this) {
            w = prepared.remove(session);
        }
        if (w != null && !w.isUsable()) {
            closeLater(w);
            return null;
        }
        return w;
    }

    /**
     * Makes a ready spare a worker of {@code session} ahead of its next fresh state (a
     * session that asked for one is likely to ask again). Does nothing when the session has
     * one, or no spare is ready; at the cap, the spare of the session that asked longest ago
     * is ended.
     *
     * @param prepare sends the session's directory and user to the spare; false if it failed
     * @param wanted whether the session still wants it (checked where {@link #forget} would
     *     miss it: a session closed while its spare was being prepared gets none)
     */
    void prepareFor(String session, Predicate<WorkerProcess> prepare, BooleanSupplier wanted) {
        WorkerProcess spare;
        WorkerProcess evicted = null;
        synchronized (this) {
            if (closed || prepared.containsKey(session)) {
                return;
            }
            spare = ready.pollFirst();
            if (spare == null) {
                return;
            }
            if (prepared.size() >= PREPARED_SESSIONS) {
                String oldest = prepared.keySet().iterator().next();
                evicted = prepared.remove(oldest);
            }
        }
        if (evicted != null) {
            closeLater(evicted);
        }
        if (!prepare.test(spare)) {
            closeLater(spare);
        } else {
            synchronized (this) {
                if (closed || !wanted.getAsBoolean()) {
                    evicted = spare;
                } else {
                    prepared.put(session, spare);
                    evicted = null;
                }
            }
            if (evicted != null) {
                closeLater(evicted);
            }
        }
        refill();
    }

    /** The session is gone: its prepared spare is ended. */
    void forget(String session) {
        WorkerProcess w;
        synchronized (this) {
            w = prepared.remove(session);
        }
        if (w != null) {
            closeLater(w);
        }
    }

    /**
     * A ready spare, without waiting, or null when none is ready. It refills only when no
     * spare is left: else the caller calls {@link #refill()} once its run is over, so that
     * starting a worker (a fork and a handshake: CPU) does not compete with that run.
     */
    WorkerProcess takeReady() {
        while (true) {
            WorkerProcess w;
            boolean drained;
            synchronized (this) {
                w = ready.pollFirst();
                drained = ready.isEmpty();
            }
            if (drained) {
                refill(); // the next fresh state would wait for a start: begin it now
            }
            if (w == null || w.isUsable()) {
                return w;
            }
            closeLater(w); // closing waits for the process: never on the caller's thread
        }
    }

    void refill() {
        synchronized (this) {
            if (closed || ready.size() + starting >= spares) {
                return;
            }
            starting++;
        }
        refiller.execute(() -> {
            WorkerProcess w = null;
            try {
                w = starter.apply(true);
            } catch (RuntimeException e) {
                boolean closing;
                synchronized (this) {
                    closing = closed;
                }
                if (closing) {
                    LOG.debug("no spare Python worker: the engine is closing ({})", e.getMessage());
                } else {
                    LOG.warn("could not start a spare Python worker: {}", e.getMessage());
                }
            }
            boolean keep;
            synchronized (this) {
                starting--;
                keep = w != null && !closed;
                if (keep) {
                    ready.addLast(w);
                }
            }
            if (!keep && w != null) {
                w.close();
            } else if (keep) {
                refill();
            }
        });
    }

    private void closeLater(WorkerProcess w) {
        try {
            refiller.execute(w::close);
        } catch (RejectedExecutionException e) { // the engine is closing
            w.close();
        }
    }

    @Override
    public void close() {
        Deque<WorkerProcess> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(ready);
            toClose.addAll(prepared.values());
            ready.clear();
            prepared.clear();
        }
        toClose.forEach(WorkerProcess::close);
    }
}
