package org.pyexec4j.internal.engine;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.pyexec4j.internal.worker.WorkerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a few forked, connected workers ready so that a fresh interpreter state costs no
 * fork on the request path. Every take starts a refill in the background, so back-to-back
 * fresh states do not drain it.
 */
final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    private final int spares;
    private final Supplier<WorkerProcess> starter;
    private final ExecutorService refiller;
    private final Deque<WorkerProcess> ready = new ArrayDeque<>();
    private int starting;
    private boolean closed;

    WorkerPool(int spares, Supplier<WorkerProcess> starter, ExecutorService refiller) {
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
        return w != null ? w : starter.get();
    }

    /**
     * A ready spare, without waiting, or null when none is ready. It does not refill: the
     * caller calls {@link #refill()} once its run is over, so that starting a worker (a fork
     * and a handshake: CPU) does not compete with the run that took the spare.
     */
    WorkerProcess takeReady() {
        while (true) {
            WorkerProcess w;
            synchronized (this) {
                w = ready.pollFirst();
            }
            if (w == null) {
                refill(); // none ready: there is no run to wait for
            }
            if (w == null || w.isUsable()) {
                return w;
            }
            refiller.execute(w::close); // closing waits for the process: never on the caller's thread
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
                w = starter.get();
            } catch (RuntimeException e) {
                LOG.warn("could not start a spare Python worker: {}", e.getMessage());
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

    @Override
    public void close() {
        Deque<WorkerProcess> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(ready);
            ready.clear();
        }
        toClose.forEach(WorkerProcess::close);
    }
}
