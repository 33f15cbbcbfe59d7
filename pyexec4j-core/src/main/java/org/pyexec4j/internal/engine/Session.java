package org.pyexec4j.internal.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.IsolationReport;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.RunRequest;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.result.LimitHit;
import org.pyexec4j.internal.result.ResultAssembler;
import org.pyexec4j.internal.wire.ZygoteMessage;
import org.pyexec4j.internal.worker.RunOutcome;
import org.pyexec4j.internal.worker.RunSpec;
import org.pyexec4j.internal.worker.WorkerGoneBeforeRun;
import org.pyexec4j.internal.worker.WorkerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named session: serves its runs one after another, in the order they were asked for,
 * and owns the worker that holds its interpreter state.
 *
 * <p>Runs are chained on futures, not served by a thread of their own: a run is sent from
 * the thread that asks for it when the session is idle, and the next one from the thread
 * that saw the last one end (usually the IO thread, which read its result). So a run costs
 * no switch between threads on the JVM side, and an idle session holds no thread.
 */
final class Session implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** Output larger than this is turned into a result off the IO thread, which other sessions need. */
    private static final long ASSEMBLE_INLINE_LIMIT = 256 * 1024;
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(30);
    /** A worker replaced by a fresh one is ended when the fresh one's run is over, or after this. */
    private static final Duration RETIRE_AFTER = Duration.ofMillis(20);

    private final String name;
    /** The user its workers run as when the sandbox gives each session its own. */
    private final int uid;
    private final Engine engine;
    private final SessionDirectory directory;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null); // guarded by this
    private volatile WorkerProcess worker;
    private volatile boolean closed;
    /** Said at the start of the next run after the state was lost; touched by one run at a time. */
    private String lostStateNote;
    /** The worker a fresh one replaced, ended after the fresh one's first run; touched by one run at a time. */
    private Retirement retiring;

    Session(String name, Engine engine, SessionDirectory directory, int uid) {
        this.name = name;
        this.uid = uid;
        this.engine = engine;
        this.directory = directory;
    }

    String name() {
        return name;
    }

    /** Queues a run after the ones asked for before it. */
    CompletableFuture<ExecutionResult> submit(RunRequest request) {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(closedError());
            }
            CompletableFuture<ExecutionResult> result = tail.handle((r, e) -> null)
                    .thenCompose(ignored -> start(request));
            tail = result;
            // the caller gets a copy: cancelling it must not let the next run start while this
            // one still runs on the worker (the queue waits for the run itself)
            return result.copy();
        }
    }

    /** Runs and waits for the result. */
    ExecutionResult runAndWait(RunRequest request) throws InterruptedException {
        try {
            return submit(request).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new PyExec4jException("a run in session '" + name + "' failed: " + cause, cause);
        }
    }

    boolean interrupt() {
        WorkerProcess w = worker;
        return w != null && w.interrupt();
    }

    private CompletableFuture<ExecutionResult> start(RunRequest request) {
        try {
            if (closed) {
                throw closedError();
            }
            WorkerProcess w = worker;
            if (!request.reset() && w != null && w.isUsable()) {
                return runOn(w, request, false);
            }
            if (w != null && !w.isUsable() && lostStateNote == null) {
                // it ended after its last run's result (the code broke what the engine needs
                // between runs): the run that would have kept its state says so
                lostStateNote = freshBecause("the session's Python process ended after its last run ("
                        + endedBecause(w) + ")");
            }
            WorkerProcess spare = engine.preparedWorker(spareKey());
            if (spare == null) {
                spare = engine.readyWorker();
            }
            if (spare != null) {
                return runOn(spare, request, true);
            }
            // starting a worker waits for it: not on this thread, which may be the IO thread
            return CompletableFuture.supplyAsync(engine::freshWorker, engine.background())
                    .thenCompose(fresh -> runOn(fresh, request, true));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<ExecutionResult> runOn(WorkerProcess w, RunRequest request, boolean fresh) {
        String note = null;
        Retirement replaced = null;
        if (fresh) {
            if (!request.reset() && lostStateNote != null) {
                note = lostStateNote;
            }
            lostStateNote = null;
            WorkerProcess old = worker;
            if (old != null) {
                replaced = new Retirement(old);
                retiring = replaced;
                engine.later(replaced, RETIRE_AFTER); // a long run does not keep the old one alive
            }
            worker = w;
            if (closed) { // closed while the worker was being found
                engine.retire(w);
                return CompletableFuture.failedFuture(closedError());
            }
        }
        Duration timeout = request.timeout() != null ? request.timeout() : engine.config().timeout();
        long limit = engine.config().outputLimitBytes();
        OutputRecorder recorder = new OutputRecorder(limit, request.listener(), engine.background(),
                engine.keptOutput());
        if (note != null) {
            recorder.record(StdStream.STDERR, note);
        }
        Path workdir = directory.path();
        CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
        Retirement afterwards = replaced;
        w.start(new RunSpec(request.code(), workdir, timeout, engine.config().grace(), uid), recorder)
                .whenComplete((outcome, failure) -> {
                    Runnable answer = () -> complete(result, recorder, () -> assemble(w, outcome, recorder, timeout, limit));
                    if (failure != null) {
                        recorder.abandon(); // no result holds its output: its share goes back
                        if (!fresh && causeOf(failure) instanceof WorkerGoneBeforeRun) {
                            // the code never reached the worker, which ended after its last run: it
                            // runs in a fresh one, which says that the state was lost (see start)
                            start(request).whenComplete((r, f) -> {
                                if (f != null) {
                                    result.completeExceptionally(causeOf(f));
                                } else {
                                    result.complete(r);
                                }
                            });
                        } else {
                            result.completeExceptionally(failure);
                        }
                    } else if (recorder.keptSize() <= ASSEMBLE_INLINE_LIMIT) {
                        // completing runs what waits for the result (an answer, the next run)
                        // here and now: before the clean-up below, which would delay it
                        answer.run();
                    } else {
                        engine.background().execute(answer);
                    }
                    if (fresh) {
                        afterFreshRun(afterwards);
                    }
                });
        return result;
    }

    /** The failure itself, not the CompletionException a future wrapped it in. */
    private static Throwable causeOf(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    /** The result, given once the run's listener has had all its output (at once without one). */
    private static void complete(CompletableFuture<ExecutionResult> result, OutputRecorder recorder,
                                 Supplier<ExecutionResult> assemble) {
        ExecutionResult r;
        try {
            r = assemble.get();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        recorder.listenerDone().thenRun(() -> result.complete(r));
    }

    /**
     * The worker replaced by a fresh one is ended, and the pool refilled, once the fresh
     * one's run is over: both take CPU that the run should have. A spare is prepared for
     * the session only once it has asked for a fresh state again (it replaced a worker):
     * every new session's first run is a fresh one, and preparing one for each of a burst
     * of new sessions started as many workers again, and ended most, beside their runs.
     */
    private void afterFreshRun(Retirement replaced) {
        if (replaced != null) {
            replaced.run();
        }
        if (replaced != null && !closed && !name.startsWith(Engine.ANONYMOUS_PREFIX)) {
            engine.prepareSpare(spareKey(), directory.path(), uid, () -> !closed);
        } else {
            engine.refillPool();
        }
    }

    /** Ends a replaced worker once: at the end of the fresh run, or after a moment. */
    private final class Retirement implements Runnable {
        private final WorkerProcess worker;
        private final AtomicBoolean done = new AtomicBoolean();

        Retirement(WorkerProcess worker) {
            this.worker = worker;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                engine.retire(worker);
            }
        }

        void closeNow() {
            if (done.compareAndSet(false, true)) {
                worker.close();
            }
        }
    }

    private ExecutionResult assemble(WorkerProcess w, RunOutcome outcome, OutputRecorder recorder, Duration timeout,
                                     long limit) {
        boolean outOfMemory = (outcome.exit() != null && outcome.exit().outOfMemory())
                || (outcome.done() != null && outcome.done().killedAtMemoryLimit());
        return withIsolation(assembleOutcome(w, outcome, recorder, timeout, limit), outOfMemory);
    }

    private ExecutionResult withIsolation(ExecutionResult r, boolean outOfMemory) {
        IsolationReport isolation = engine.isolation();
        return ResultAssembler.withIsolation(r, isolation.level(),
                LimitHit.of(r, isolation.limits(), engine.config().outputLimitBytes(), outOfMemory));
    }

    private ExecutionResult assembleOutcome(WorkerProcess w, RunOutcome outcome, OutputRecorder recorder,
                                            Duration timeout, long limit) {
        if (outcome.done() != null) {
            return ResultAssembler.finished(outcome.done(), recorder.finish(limit), timeout, outcome.wall());
        }
        if (worker == w) {
            worker = null;
        }
        engine.retire(w);
        if (outcome.killedAfterGrace()) {
            sayStateLost(recorder, "the code ignored the interrupt at its time limit and was killed after a grace of "
                    + engine.config().grace().toMillis() / 1000.0 + " s");
            lostStateNote = freshBecause("the previous run was killed at its time limit");
            return ResultAssembler.killedAfterGrace(recorder.finish(limit), timeout, outcome.wall());
        }
        if (closed) {
            // the host ended it, which the process's status does not say (one that exits as its
            // connection closes says 0, one killed says 9): the same result either way
            sayStateLost(recorder, "the session was closed while the code ran, and its Python process ended");
            return ResultAssembler.endedFor(outcome.exit(), "the session was closed while the code ran",
                    recorder.finish(limit), timeout, outcome.wall());
        }
        if (outcome.breach() != null) {
            // the engine ended it: say why, not only the status it ended with
            sayStateLost(recorder, "the Python process's control connection carried " + outcome.breach()
                    + ", not the engine's protocol (code that writes to that connection's descriptor does this), so"
                    + " the engine ended the process");
            lostStateNote = freshBecause("the engine ended the previous run's Python process (its control connection"
                    + " broke the protocol)");
            return ResultAssembler.endedFor(outcome.exit(), "the engine ended the Python process: its control"
                    + " connection carried " + outcome.breach(), recorder.finish(limit), timeout, outcome.wall());
        }
        if (outcome.engineFailure() != null) {
            // not the code's own exit, whatever the status: the code broke what the engine needs
            String why = "the engine failed in the Python process: " + outcome.engineFailure();
            sayStateLost(recorder, why);
            lostStateNote = freshBecause("the engine failed in the previous run's Python process ("
                    + outcome.engineFailure() + ")");
            return ResultAssembler.endedFor(outcome.exit(), why, recorder.finish(limit), timeout, outcome.wall());
        }
        String death = ResultAssembler.describeDeath(outcome.exit());
        sayStateLost(recorder, death);
        lostStateNote = freshBecause("the previous run ended the Python process (" + death + ")");
        return ResultAssembler.died(outcome.exit(), recorder.finish(limit), timeout, outcome.wall());
    }

    /** The run's output ends by saying how its process ended, and that the session's state went with it. */
    private static void sayStateLost(OutputRecorder recorder, String how) {
        recorder.record(StdStream.STDERR, "\n[pyexec4j: " + how + "; the session's state was lost]\n");
    }

    /** What the session's next run says first: why it starts in a fresh state. */
    private static String freshBecause(String why) {
        return "[pyexec4j: " + why + "; this run starts in a fresh interpreter state]\n";
    }

    private static String endedBecause(WorkerProcess w) {
        if (w.engineFailure() != null) {
            return "the engine failed in it: " + w.engineFailure();
        }
        ZygoteMessage.Exited exit = w.exitIfKnown();
        return exit == null ? "nothing said why" : ResultAssembler.describeDeath(exit);
    }

    /**
     * What a spare prepared for this session is kept under: its directory and user, not only
     * its name (a later session of that name has its own; the spare is no worker of it).
     */
    String spareKey() {
        return name + '\u0000' + directory.path() + '\u0000' + uid;
    }

    private PyExec4jException closedError() {
        return new PyExec4jException("session '" + name + "' was closed; start it again with a new run");
    }

    /**
     * Kills the worker (a run in progress ends as killed, runs queued after it fail), waits
     * for the runs to end, and removes a temporary working directory.
     */
    @Override
    public void close() {
        CompletableFuture<?> last;
        synchronized (this) {
            closed = true;
            last = tail;
        }
        WorkerProcess w = worker;
        worker = null;
        if (w != null) {
            w.close();
        }
        try {
            last.get(CLOSE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the runs of session '{}' did not end within {} s of closing it", name, CLOSE_LIMIT.toSeconds());
            // their process is gone; what still holds them (a listener that does not return)
            // must not leave their callers waiting for ever
            last.completeExceptionally(new PyExec4jException("session '" + name + "' was closed, and its run did"
                    + " not end within " + CLOSE_LIMIT.toSeconds() + " s (an output listener that does not return?)"));
        } catch (ExecutionException e) {
            LOG.debug("session '{}': a run ended with {}", name, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WorkerProcess late = worker;
        if (late != null) {
            late.close();
        }
        Retirement replaced = retiring;
        if (replaced != null) {
            replaced.closeNow();
        }
        try {
            directory.close();
        } catch (IOException e) {
            LOG.warn("could not remove the working directory of session '{}': {}", name, e.toString());
        }
    }
}
