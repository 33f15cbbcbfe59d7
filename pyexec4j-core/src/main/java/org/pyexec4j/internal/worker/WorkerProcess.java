package org.pyexec4j.internal.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.output.RawStream;
import org.pyexec4j.internal.result.ResultAssembler;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.WorkerMessage;
import org.pyexec4j.internal.wire.ZygoteMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one session worker: its control connection, the raw output connections of each
 * run, and the run in progress. Runs are given to it one at a time. Its connections are
 * read by the engine's {@link WorkerIo} thread.
 */
public final class WorkerProcess implements AutoCloseable, ConnectionSink {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration START_LIMIT = Duration.ofSeconds(30);
    /** How long the end of a run may wait for output still in flight. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);
    /** How long a worker whose control connection was closed gets to exit by itself. */
    private static final Duration SELF_EXIT_LIMIT = Duration.ofMillis(500);

    private final String id;
    private final String secret;
    private final Zygote zygote;
    private final ChannelServer server;
    private final WorkerIo io;
    private final Deadlines timer;
    private final Executor background;
    private final CompletableFuture<SocketChannel> control = new CompletableFuture<>();
    private final CompletableFuture<WorkerMessage.Ready> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> controlEnded = new CompletableFuture<>();
    private final Map<Long, RawPair> pairs = new ConcurrentHashMap<>();
    private final Set<RawStream> open = ConcurrentHashMap.newKeySet();
    private final Map<RawStream, SelectionKey> keys = new ConcurrentHashMap<>();
    private volatile long pid = -1;
    /** Runs started; the caller's thread counts them, the IO thread reads them. */
    private volatile long runs;
    private volatile ActiveRun active;
    private volatile boolean closed;
    /** Why the control connection was broken off, when what came over it was not the protocol. */
    private volatile String breach;
    /** What failed in the worker's own code as it ended, as it said; null if nothing did. */
    private volatile String engineFailure;
    /** Lines the worker has not taken all of yet, in order; done when there are none. */
    private CompletableFuture<Void> sending = CompletableFuture.completedFuture(null); // guarded by this
    /**
     * How long past its limit a run still going gets a SIGINT from outside (the zygote): the
     * worker's engine thread sends the interrupt at the limit, but code that keeps the GIL from
     * it (a huge sys.setswitchinterval) delays that; a signal from outside needs no GIL.
     */
    private static final Duration INTERRUPT_FROM_OUTSIDE_AFTER = Duration.ofSeconds(1);
    /** How often the rest of a line the worker did not take at once is offered again. */
    private static final long SEND_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The raw stdout and stderr connections of one run. */
    private static final class RawPair {
        final CompletableFuture<RawStream> out = new CompletableFuture<>();
        final CompletableFuture<RawStream> err = new CompletableFuture<>();
    }

    /** The run in progress: where its output goes and how it ends. */
    private static final class ActiveRun {
        final long id;
        final OutputRecorder recorder;
        final RawPair pair;
        final RawStream out;
        final RawStream err;
        final long startNanos;
        final CompletableFuture<RunOutcome> outcome;
        final CompletableFuture<WorkerMessage.Done> done = new CompletableFuture<>();
        volatile boolean killedAfterGrace;
        /** What comes next past the limit: the interrupt from outside, or the kill. */
        volatile Deadlines.Pending deadline;

        ActiveRun(long id, OutputRecorder recorder, RawPair pair, RawStream out, RawStream err, long startNanos,
                  CompletableFuture<RunOutcome> outcome) {
            this.id = id;
            this.recorder = recorder;
            this.pair = pair;
            this.out = out;
            this.err = err;
            this.startNanos = startNanos;
            this.outcome = outcome;
        }
    }

    private WorkerProcess(String id, String secret, Zygote zygote, ChannelServer server, WorkerIo io,
                          Deadlines timer, Executor background) {
        this.id = id;
        this.secret = secret;
        this.zygote = zygote;
        this.server = server;
        this.io = io;
        this.timer = timer;
        this.background = background;
    }

    /**
     * Forks a worker from the zygote and waits until it is connected and ready. Its runs'
     * deadlines are kept by {@code timer}; slow endings are waited for on {@code background}.
     */
    public static WorkerProcess start(Zygote zygote, ChannelServer server, WorkerIo io, Deadlines timer,
                                      Executor background, String id, Map<String, Object> options) {
        WorkerProcess w = new WorkerProcess(id, HexFormat.of().formatHex(randomBytes(16)), zygote, server, io,
                timer, background);
        server.expect(id, w);
        Map<String, Object> forkOptions = WireCodec.fields("secret", w.secret);
        forkOptions.putAll(options);
        try {
            w.pid = zygote.fork(id, forkOptions).get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            // one that ends before it is ready says so at once, not at the limit
            CompletableFuture.anyOf(w.ready, zygote.exitOf(id)).get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (w.ready.isDone() && !w.ready.isCompletedExceptionally()) {
                return w;
            }
            throw notStarted(zygote, w, "it ended before it was ready", null);
        } catch (TimeoutException e) {
            throw notStarted(zygote, w, "it did not start within " + START_LIMIT.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw notStarted(zygote, w, "it could not start (" + e.getCause().getMessage() + ")", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            w.close();
            throw new PyExec4jException("interrupted while starting Python worker " + id, e);
        }
    }

    /**
     * What failed in the worker's own code as it ended, between runs or in one (code that
     * broke something the engine uses), as the worker said; {@code null} if nothing did.
     */
    public String engineFailure() {
        return engineFailure;
    }

    /** How the process ended, when the zygote has said so already; else null. */
    public ZygoteMessage.Exited exitIfKnown() {
        return zygote.exitIfKnown(id);
    }

    /** Closes a worker that did not start, and says why (before closing forgets how it ended). */
    private static PyExec4jException notStarted(Zygote zygote, WorkerProcess w, String what, Throwable cause) {
        ZygoteMessage.Exited exit = zygote.exitIfKnown(w.id);
        String log = zygote.recentLog();
        String failure = w.engineFailure();
        w.close();
        return new PyExec4jException("Python worker " + w.id + (w.pid > 0 ? " (pid " + w.pid + ")" : "") + ": " + what
                + (exit == null ? "" : "; " + ResultAssembler.describeDeath(exit))
                + (failure == null ? "" : "; the engine failed in it: " + failure) + "; engine log: " + log,
                cause);
    }

    /** Whether the worker can take another run. */
    public boolean isUsable() {
        return !closed && !controlEnded.isDone();
    }

    @Override
    public String secret() {
        return secret;
    }

    @Override
    public boolean attach(String role, long generation, SocketChannel ch) {
        switch (role) {
            case "control":
                if (!control.complete(ch)) {
                    return false;
                }
                ControlReader reader = new ControlReader(ch, this::onMessage);
                io.register(ch, new WorkerIo.Handler() {
                    @Override
                    public boolean onReady(SelectionKey key) throws IOException {
                        try {
                            return reader.readAvailable();
                        } catch (ProtocolBreach e) {
                            breach = e.getMessage();
                            LOG.debug("worker {}: its control connection broke the protocol: {}", id, e.toString());
                            throw e;
                        }
                    }

                    @Override
                    public void onClosed() {
                        reader.release();
                        ready.completeExceptionally(new PyExec4jException("worker " + id + " closed its control channel"));
                        controlGone();
                    }
                });
                return true;
            case "stdout":
            case "stderr":
                long current = runs;
                if (generation < current || generation > current + 1) {
                    // the worker connects the pair of its current run or of its next one: more
                    // would be code that read its worker's secret, holding descriptors open
                    return false;
                }
                StdStream stream = role.equals("stdout") ? StdStream.STDOUT : StdStream.STDERR;
                RawStream raw = new RawStream(ch, stream);
                RawPair pair = pairs.computeIfAbsent(generation, g -> new RawPair());
                if (!(stream == StdStream.STDOUT ? pair.out : pair.err).complete(raw)) {
                    return false;
                }
                open.add(raw);
                io.register(ch, new WorkerIo.Handler() {
                    @Override
                    public void onRegistered(SelectionKey key) {
                        keys.put(raw, key);
                    }

                    @Override
                    public boolean onReady(SelectionKey key) throws IOException {
                        boolean more = raw.readAvailable();
                        if (raw.atSync()) {
                            // wait for the frame of Python output that goes before what follows
                            key.interestOps(0);
                        }
                        return more;
                    }

                    @Override
                    public void onClosed() {
                        raw.closed();
                        open.remove(raw);
                        keys.remove(raw);
                    }
                });
                if (closed) {
                    io.close(ch, handlerless(raw));
                }
                return true;
            default:
                return false;
        }
    }

    /**
     * Starts a run; the future completes when it is over: finished (on the IO thread, which
     * read its end), died, or killed at timeout + grace. Output goes to {@code recorder} as
     * it arrives. Never blocks: a run's connections that are still being opened, and the
     * slow endings, are waited for on other threads.
     */
    public CompletableFuture<RunOutcome> start(RunSpec spec, OutputRecorder recorder) {
        long runId = ++runs;
        long startNanos = System.nanoTime();
        RawPair pair = pairs.computeIfAbsent(runId, g -> new RawPair());
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        Runnable begin = () -> {
            try {
                begin(new ActiveRun(runId, recorder, pair, pair.out.join(), pair.err.join(), startNanos, outcome), spec);
            } catch (RuntimeException e) {
                outcome.completeExceptionally(e);
            }
        };
        if (pair.out.isDone() && pair.err.isDone()) {
            begin.run();
            return outcome;
        }
        // the worker connects a new pair after a run that left a process or thread behind
        CompletableFuture<Void> connected = CompletableFuture.allOf(pair.out, pair.err);
        Deadlines.Pending limit = timer.after(START_LIMIT, () -> connected.completeExceptionally(
                new PyExec4jException("Python worker " + id + " (pid " + pid + ") did not open its output connections"
                        + " within " + START_LIMIT.toSeconds() + " s; engine log: " + zygote.recentLog())));
        // a worker that ends meanwhile never opens them: the run fails at once, not at the limit
        controlEnded.thenRun(() -> connected.completeExceptionally(new WorkerGoneBeforeRun(id, pid)));
        connected.whenComplete((ok, failure) -> {
            limit.cancel();
            if (failure != null) {
                outcome.completeExceptionally(failure);
            } else {
                begin.run();
            }
        });
        return outcome;
    }

    private void begin(ActiveRun run, RunSpec spec) {
        // unguessable enough that output cannot match it by chance; code that wants to can
        // read it from its own worker's memory, and only misorders its own output
        String token = "\u0000\u0001px4j" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
                + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        byte[] prefix = token.getBytes(StandardCharsets.US_ASCII);
        run.out.begin(run.recorder, prefix);
        run.err.begin(run.recorder, prefix);
        active = run;
        OutputRecorder.Capacity capacity = run.recorder.capacityForSkipping();
        boolean sent = send(WireCodec.fields("t", "run", "run", run.id, "code", spec.code(),
                "workdir", spec.workdir().toString(), "timeout", spec.timeout().toNanos() / 1e9,
                "marker", token, "uid", spec.uid(), "out_limits", capacity == null ? null
                        : List.of(capacity.headBytes(), capacity.headWrites(), capacity.tailBytes(), capacity.tailWrites())));
        if (!sent) {
            offload(() -> endAbnormally(run));
            return;
        }
        // the worker interrupts the code at its limit itself; a moment later, should the code keep
        // the worker's own thread from doing it, the zygote does; past limit + grace, kill it
        run.deadline = spec.grace().compareTo(INTERRUPT_FROM_OUTSIDE_AFTER) > 0
                ? timer.after(spec.timeout().plus(INTERRUPT_FROM_OUTSIDE_AFTER),
                        () -> interruptFromOutside(run, spec.grace().minus(INTERRUPT_FROM_OUTSIDE_AFTER)))
                : timer.after(spec.timeout().plus(spec.grace()), () -> killAtGrace(run));
        CompletableFuture.anyOf(run.done, controlEnded).whenComplete((over, failure) -> {
            run.deadline.cancel();
            if (run.done.isDone()) {
                endNormally(run);
            } else {
                offload(() -> endAbnormally(run));
            }
        });
    }

    /** Work that waits, off the IO thread; on this thread when the engine is closing. */
    private void offload(Runnable task) {
        try {
            background.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** The worker reported the end, on the IO thread, after the output before it. */
    private void endNormally(ActiveRun run) {
        try {
            complete(run, run.done.join(), null);
        } catch (RuntimeException e) {
            run.outcome.completeExceptionally(e);
        }
    }

    /**
     * The worker died or was killed: make sure nothing it started survives, then take every
     * byte still in flight until the connections end. Blocks: runs on a background thread.
     */
    private void endAbnormally(ActiveRun run) {
        try {
            killTree();
            ZygoteMessage.Exited exit = awaitQuietly(zygote.exitOf(id), "exit status");
            awaitQuietly(CompletableFuture.allOf(run.out.ended(), run.err.ended()), "end of output");
            complete(run, run.done.getNow(null), exit);
        } catch (RuntimeException e) {
            run.outcome.completeExceptionally(e);
        }
    }

    private void complete(ActiveRun run, WorkerMessage.Done done, ZygoteMessage.Exited exit) {
        io.execute(() -> {
            resume(run.out);
            resume(run.err);
        });
        run.out.finish();
        run.err.finish();
        active = null;
        pairs.remove(run.id, run.pair);
        run.outcome.complete(new RunOutcome(done, run.killedAfterGrace, exit, breach, engineFailure,
                Duration.ofNanos(System.nanoTime() - run.startNanos)));
    }

    /**
     * Makes this idle worker one of a session's ahead of its first run: the session's working
     * directory and, in the sandbox, its user. Its first run then costs what any run does.
     *
     * @return false when the worker cannot be reached
     */
    public boolean prepare(java.nio.file.Path workdir, int uid) {
        return send(WireCodec.fields("t", "prepare", "workdir", workdir.toString(), "uid", uid));
    }

    /** Interrupts the code running now (KeyboardInterrupt inside it); false if none runs. */
    public boolean interrupt() {
        ActiveRun run = active;
        return run != null && !run.done.isDone() && send(WireCodec.fields("t", "interrupt", "run", run.id));
    }

    /** On the IO thread: Python-level output is recorded after the raw bytes written before it. */
    private void onMessage(WorkerMessage m) {
        ActiveRun run = active;
        try {
            if (m instanceof WorkerMessage.Ready r) {
                ready.complete(r);
            } else if (m instanceof WorkerMessage.Failed f) {
                engineFailure = f.error();
                // the worker's own word, on its own connection (the engine's log is not the code's to reach)
                LOG.warn("worker {} failed: {} (the traceback follows at debug level)", id, f.error());
                LOG.debug("worker {} failed: {}", id, String.join(" | ", f.traceback().split("\n")));
            } else if (m instanceof WorkerMessage.Output frame) {
                if (run == null) {
                    return;
                }
                recordFrame(run, frame.groups());
            } else if (m instanceof WorkerMessage.Skipped s) {
                if (run != null) {
                    atSync(run, () -> run.recorder.skipped(s.bytes()));
                }
            } else if (m instanceof WorkerMessage.Done d) {
                if (run != null && run.id == d.run()) {
                    // what the code's objects printed as its exception let them go follows its traceback
                    boolean tracebackFirst = d.lastOutputAfterTraceback() && d.traceback() != null
                            && !d.lastOutput().isEmpty();
                    Runnable last = () -> {
                        if (tracebackFirst) {
                            run.recorder.recordTraceback(d.traceback());
                        }
                        recordWrites(run, d.lastOutput());
                    };
                    if (d.rawAllRead()) {
                        run.out.endWithoutToken();
                        run.err.endWithoutToken();
                        last.run();
                    } else {
                        if (!d.lastOutput().isEmpty()) {
                            atSync(run, last);
                        }
                        run.out.drainUntilEnd();
                        run.err.drainUntilEnd();
                    }
                    if (d.traceback() != null && !tracebackFirst) {
                        run.recorder.recordTraceback(d.traceback());
                    }
                    resume(run.out);
                    resume(run.err);
                    if (d.reuseRawPair()) {
                        pairs.put(run.id + 1, run.pair);
                    }
                    run.done.complete(d);
                }
            }
        } catch (IOException e) {
            LOG.debug("worker {}: reading output: {}", id, e.toString());
            if (m instanceof WorkerMessage.Done d && run != null) {
                run.done.complete(d);
            }
        }
    }

    /** The raw bytes written before this frame, then the frame, then what follows. */
    private void recordFrame(ActiveRun run, List<WorkerMessage.Output.Group> groups) throws IOException {
        atSync(run, () -> recordWrites(run, groups));
    }

    /** What a frame says, recorded at its place: after the raw bytes before its sync token. */
    private void atSync(ActiveRun run, Runnable record) throws IOException {
        run.out.drainToSync();
        run.err.drainToSync();
        record.run();
        pass(run.out);
        pass(run.err);
    }

    private static void recordWrites(ActiveRun run, List<WorkerMessage.Output.Group> groups) {
        for (WorkerMessage.Output.Group g : groups) {
            run.recorder.record(g.stream(), g.writes());
        }
    }

    private void pass(RawStream raw) {
        raw.passSync();
        resume(raw);
    }

    /**
     * On the IO thread, once the control connection has ended (the worker's end, or ours at
     * close): the raw streams are read to their end, since no frame will order them now (one
     * stopped at a sync token would wait for its frame, and its end would never be seen).
     */
    private void controlGone() {
        ActiveRun run = active;
        if (run != null) {
            run.out.noMoreFrames();
            run.err.noMoreFrames();
            resume(run.out);
            resume(run.err);
        }
        controlEnded.complete(null);
    }

    /** On the IO thread: reads the connection again unless it waits at a sync token. */
    private void resume(RawStream raw) {
        SelectionKey key = keys.get(raw);
        if (key != null && key.isValid() && !raw.atSync()) {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    /** A run still going a moment past its limit: SIGINT from the zygote, then the rest of the grace. */
    private void interruptFromOutside(ActiveRun run, Duration restOfGrace) {
        if (run.done.isDone()) {
            return;
        }
        zygote.interrupt(id);
        run.deadline = timer.after(restOfGrace, () -> killAtGrace(run));
    }

    private void killAtGrace(ActiveRun run) {
        if (run.done.isDone()) {
            return;
        }
        run.killedAfterGrace = true;
        LOG.debug("worker {} (pid {}) ignored its time limit; killing it", id, pid);
        killTree();
    }

    private void killTree() {
        if (pid <= 0) {
            return;
        }
        if (!zygote.isAlive() || !zygote.kill(id)) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
    }

    /**
     * Sends a line, whole. What the worker does not take at once (a long line, or one that
     * threads of the code holding the GIL keep it from reading) is written on a background
     * thread, and lines sent meanwhile follow it: the caller (the stdin reader, the IO thread)
     * and other sessions never wait for it, and the run's deadline still kills a worker that
     * never reads it. False when the connection is gone.
     */
    private synchronized boolean send(Map<String, Object> msg) {
        SocketChannel ch = control.getNow(null);
        if (ch == null) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(WireCodec.line(msg));
        if (sending.isDone()) {
            try {
                writeAvailable(ch, buf);
            } catch (IOException e) {
                LOG.debug("worker {}: cannot send {}: {}", id, msg.get("t"), e.toString());
                return false;
            }
            if (!buf.hasRemaining()) {
                return true;
            }
        }
        Object what = msg.get("t");
        sending = sending.thenRunAsync(() -> writeRest(ch, buf, what), background);
        return true;
    }

    /** Writes what the non-blocking channel takes now. */
    private static void writeAvailable(SocketChannel ch, ByteBuffer buf) throws IOException {
        synchronized (ch.blockingLock()) {
            while (buf.hasRemaining() && ch.write(buf) > 0) {
                // the worker reads as it runs: on until the socket's buffer is full
            }
        }
    }

    /** The rest of a line, as the worker takes it; given up once the worker is closed or gone. */
    private void writeRest(SocketChannel ch, ByteBuffer buf, Object what) {
        try {
            while (!closed) {
                writeAvailable(ch, buf);
                if (!buf.hasRemaining()) {
                    return;
                }
                LockSupport.parkNanos(SEND_RETRY_NANOS);
            }
        } catch (IOException e) {
            LOG.debug("worker {}: cannot send the rest of {}: {}", id, what, e.toString());
        }
    }

    /** Kills the worker and everything it started, and closes its connections. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Closing the control connection is enough for a worker that is not stuck: it ends
        // everything below it and exits, and the zygote stays free to fork. A stuck one
        // (C code holding the GIL) is killed with its tree.
        boolean connected = control.isDone() && !control.isCompletedExceptionally();
        control.thenAccept(ch -> io.close(ch, new WorkerIo.Handler() {
            @Override
            public boolean onReady(SelectionKey key) {
                return false;
            }

            @Override
            public void onClosed() {
                controlGone();
            }
        }));
        control.completeExceptionally(new PyExec4jException("worker " + id + " closed"));
        if (pid > 0 && zygote.isAlive()) {
            if (!connected || !exitsWithin(zygote.exitOf(id), SELF_EXIT_LIMIT)) {
                killTree();
            }
            awaitQuietly(zygote.exitOf(id), "exit at close");
        } else {
            killTree();
        }
        for (RawStream raw : List.copyOf(open)) {
            awaitQuietly(raw.ended(), "end of output at close");
            if (!raw.ended().isDone() && raw.channel() instanceof SocketChannel ch) {
                io.close(ch, handlerless(raw));
            }
        }
        for (RawPair pair : pairs.values()) {
            pair.out.thenAccept(raw -> io.close((SocketChannel) raw.channel(), handlerless(raw)));
            pair.err.thenAccept(raw -> io.close((SocketChannel) raw.channel(), handlerless(raw)));
        }
        server.forget(id);
        zygote.forget(id);
    }

    private WorkerIo.Handler handlerless(RawStream raw) {
        return new WorkerIo.Handler() {
            @Override
            public boolean onReady(SelectionKey key) {
                return false;
            }

            @Override
            public void onClosed() {
                raw.closed();
                open.remove(raw);
            }
        };
    }

    private static boolean exitsWithin(CompletableFuture<?> exit, Duration limit) {
        try {
            exit.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private <T> T awaitQuietly(CompletableFuture<T> f, String what) {
        try {
            return f.get(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("worker {} (pid {}): no {} within {} s; going on without", id, pid, what, DRAIN_LIMIT.toSeconds());
        } catch (ExecutionException e) {
            LOG.debug("worker {}: waiting for {}: {}", id, what, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
