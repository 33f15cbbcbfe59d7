package org.pyexec4j.internal.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.IsolationReport;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.RunRequest;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.result.LimitHit;
import org.pyexec4j.internal.result.ResultAssembler;
import org.pyexec4j.internal.worker.RunOutcome;
import org.pyexec4j.internal.worker.RunSpec;
import org.pyexec4j.internal.worker.WorkerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named session: serves its runs one after another on its own thread and owns the
 * worker that holds its interpreter state.
 */
final class Session implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final String name;
    /** The user its workers run as when the sandbox gives each session its own. */
    private final int uid;
    private final Engine engine;
    private final SessionDirectory directory;
    private final ThreadPoolExecutor serial;
    private final ReentrantLock order = new ReentrantLock(true);
    private volatile WorkerProcess worker;
    private volatile boolean closed;
    private String lostStateNote;

    Session(String name, Engine engine, SessionDirectory directory, int uid, String threadName) {
        this.name = name;
        this.uid = uid;
        this.engine = engine;
        this.directory = directory;
        // One thread, kept only while there is work: idle sessions cost no thread.
        this.serial = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        serial.allowCoreThreadTimeOut(true);
    }

    String name() {
        return name;
    }

    CompletableFuture<ExecutionResult> submit(RunRequest request) {
        CompletableFuture<ExecutionResult> f = new CompletableFuture<>();
        try {
            serial.execute(() -> {
                try {
                    f.complete(runNow(request));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(closedError());
        }
        return f;
    }

    /**
     * Runs on the calling thread, after the runs before it (a blocking run costs no thread
     * hop; the lock is fair, so runs are served in the order they asked).
     */
    ExecutionResult runNow(RunRequest request) throws InterruptedException {
        order.lockInterruptibly();
        try {
            return execute(request);
        } finally {
            order.unlock();
        }
    }

    boolean interrupt() {
        WorkerProcess w = worker;
        return w != null && w.interrupt();
    }

    private ExecutionResult execute(RunRequest request) throws InterruptedException {
        if (closed) {
            throw closedError();
        }
        Path workdir = directory.path();
        WorkerProcess w = worker;
        String note = null;
        if (request.reset() || w == null || !w.isUsable()) {
            if (!request.reset() && lostStateNote != null) {
                note = lostStateNote;
            }
            lostStateNote = null;
            if (w != null) {
                engine.retire(w);
            }
            w = engine.freshWorker();
            worker = w;
            if (closed) { // closed while the worker was starting
                engine.retire(w);
                throw closedError();
            }
        }
        Duration timeout = request.timeout() != null ? request.timeout() : engine.config().timeout();
        long limit = engine.config().outputLimitBytes();
        OutputRecorder recorder = new OutputRecorder(limit, request.listener());
        if (note != null) {
            recorder.record(StdStream.STDERR, note);
        }
        RunOutcome outcome = w.execute(new RunSpec(request.code(), workdir, timeout, engine.config().grace(), uid),
                recorder);
        return withIsolation(assemble(w, outcome, recorder, timeout, limit));
    }

    private ExecutionResult withIsolation(ExecutionResult r) {
        IsolationReport isolation = engine.isolation();
        return ResultAssembler.withIsolation(r, isolation.level(),
                LimitHit.of(r, isolation.limits(), engine.config().outputLimitBytes()));
    }

    private ExecutionResult assemble(WorkerProcess w, RunOutcome outcome, OutputRecorder recorder, Duration timeout,
                                     long limit) {
        if (outcome.done() != null) {
            return ResultAssembler.finished(outcome.done(), recorder.finish(limit), timeout, outcome.wall());
        }
        worker = null;
        engine.retire(w);
        if (outcome.killedAfterGrace()) {
            recorder.record(StdStream.STDERR, "\n[pyexec4j: the code ignored the interrupt at its time limit and was"
                    + " killed after a grace of " + engine.config().grace().toMillis() / 1000.0
                    + " s; the session's state was lost]\n");
            lostStateNote = "[pyexec4j: the previous run was killed at its time limit; this run starts in a fresh"
                    + " interpreter state]\n";
            return ResultAssembler.killedAfterGrace(recorder.finish(limit), timeout, outcome.wall());
        }
        String death = ResultAssembler.describeDeath(outcome.exit());
        recorder.record(StdStream.STDERR, "\n[pyexec4j: " + death + "; the session's state was lost]\n");
        lostStateNote = "[pyexec4j: the previous run ended the Python process (" + death
                + "); this run starts in a fresh interpreter state]\n";
        return ResultAssembler.died(outcome.exit(), recorder.finish(limit), timeout, outcome.wall());
    }

    private PyExec4jException closedError() {
        return new PyExec4jException("session '" + name + "' was closed; start it again with a new run");
    }

    /** Kills the worker (a run in progress ends as killed), ends the thread, removes a temp dir. */
    @Override
    public void close() {
        closed = true;
        WorkerProcess w = worker;
        worker = null;
        if (w != null) {
            w.close();
        }
        serial.shutdown();
        try {
            if (!serial.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("session '{}' thread did not end within 30 s", name);
                serial.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            serial.shutdownNow();
        }
        WorkerProcess late = worker;
        if (late != null) {
            late.close();
        }
        try {
            directory.close();
        } catch (IOException e) {
            LOG.warn("could not remove the working directory of session '{}': {}", name, e.toString());
        }
    }
}
