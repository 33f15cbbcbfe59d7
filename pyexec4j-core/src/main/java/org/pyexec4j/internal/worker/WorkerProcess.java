package org.pyexec4j.internal.worker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.StdStream;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.output.RawStreamReader;
import org.pyexec4j.internal.wire.Json;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.WorkerMessage;
import org.pyexec4j.internal.wire.ZygoteMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one session worker: its control connection, the readers of its raw stdout and
 * stderr, and the run in progress. Runs are given to it one at a time.
 */
public final class WorkerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration START_LIMIT = Duration.ofSeconds(30);
    /** How long the end of a run may wait for output still in flight (markers, stream ends). */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);

    private final String id;
    private final long pid;
    private final Zygote zygote;
    private final ChannelServer server;
    private final SocketChannel control;
    private final RawStreamReader stdout;
    private final RawStreamReader stderr;
    private final List<Thread> threads;
    private final CompletableFuture<WorkerMessage.Ready> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> controlEnded = new CompletableFuture<>();
    private final AtomicLong runIds = new AtomicLong();
    private volatile ActiveRun active;
    private volatile boolean closed;

    /** The run in progress: where its output goes and how it ends. */
    private static final class ActiveRun {
        final long id;
        final OutputRecorder recorder;
        final CompletableFuture<WorkerMessage.Done> done = new CompletableFuture<>();
        volatile boolean killedAfterGrace;

        ActiveRun(long id, OutputRecorder recorder) {
            this.id = id;
            this.recorder = recorder;
        }
    }

    private WorkerProcess(String id, long pid, Zygote zygote, ChannelServer server, SocketChannel control,
                          SocketChannel out, SocketChannel err, String threadPrefix) {
        this.id = id;
        this.pid = pid;
        this.zygote = zygote;
        this.server = server;
        this.control = control;
        this.stdout = new RawStreamReader(out, StdStream.STDOUT, threadPrefix);
        this.stderr = new RawStreamReader(err, StdStream.STDERR, threadPrefix);
        this.threads = List.of(
                new Thread(this::readControl, threadPrefix + "-control"),
                new Thread(stdout, threadPrefix + "-stdout"),
                new Thread(stderr, threadPrefix + "-stderr"));
        threads.forEach(t -> t.setDaemon(true));
    }

    /** Forks a worker from the zygote and waits until it is connected and ready. */
    public static WorkerProcess start(Zygote zygote, ChannelServer server, String id, Map<String, Object> options,
                                      String threadPrefix) {
        String secret = HexFormat.of().formatHex(randomBytes(16));
        WorkerChannels channels = WorkerChannels.expecting(secret);
        server.expect(id, channels);
        Map<String, Object> forkOptions = WireCodec.fields("secret", secret);
        forkOptions.putAll(options);
        long pid = -1;
        try {
            pid = zygote.fork(id, forkOptions).get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            channels.all().get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            WorkerProcess w = new WorkerProcess(id, pid, zygote, server, channels.control().join(),
                    channels.stdout().join(), channels.stderr().join(), threadPrefix);
            w.threads.forEach(Thread::start);
            w.ready.get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            return w;
        } catch (ExecutionException | TimeoutException e) {
            zygote.kill(id);
            closeQuietly(channels);
            throw new PyExec4jException("Python worker " + id + (pid > 0 ? " (pid " + pid + ")" : "")
                    + " did not connect within " + START_LIMIT.toSeconds() + " s: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage() + "; worker log: " + zygote.recentLog(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zygote.kill(id);
            closeQuietly(channels);
            throw new PyExec4jException("interrupted while starting Python worker " + id, e);
        } finally {
            server.forget(id);
        }
    }

    public String id() {
        return id;
    }

    public long pid() {
        return pid;
    }

    /** Whether the worker can take another run. */
    public boolean isUsable() {
        return !closed && !controlEnded.isDone();
    }

    /**
     * Runs code and waits until it is over: finished, died, or killed at timeout + grace.
     * Output goes to {@code recorder} as it arrives.
     */
    public RunOutcome execute(RunSpec spec, OutputRecorder recorder, ScheduledExecutorService timer)
            throws InterruptedException {
        ActiveRun run = new ActiveRun(runIds.incrementAndGet(), recorder);
        byte[] marker = ("\u0000\u0001pyexec4j-end-" + HexFormat.of().formatHex(randomBytes(12)) + "\u0001\u0000")
                .getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> outMarker = stdout.expect(marker, recorder);
        CompletableFuture<Void> errMarker = stderr.expect(marker, recorder);
        active = run;
        long startNanos = System.nanoTime();
        ScheduledFuture<?> killer = timer.schedule(() -> killAtGrace(run),
                spec.timeout().plus(spec.grace()).toNanos(), TimeUnit.NANOSECONDS);
        try {
            boolean sent = send(WireCodec.fields("t", "run", "run", run.id, "code", spec.code(),
                    "workdir", spec.workdir().toString(), "timeout", spec.timeout().toNanos() / 1e9,
                    "marker", new String(marker, StandardCharsets.US_ASCII)));
            WorkerMessage.Done done = null;
            if (sent) {
                CompletableFuture.anyOf(run.done, controlEnded).get();
                done = run.done.getNow(null);
            }
            killer.cancel(false);
            ZygoteMessage.Exited exit = null;
            if (done != null) {
                awaitQuietly(CompletableFuture.allOf(outMarker, errMarker), "end markers");
            } else {
                // The worker died or was killed: make sure nothing it started survives, then
                // take every byte still in flight until the streams end.
                zygote.kill(id);
                exit = awaitQuietly(zygote.exitOf(id), "exit status");
                awaitQuietly(CompletableFuture.allOf(stdout.ended(), stderr.ended()), "end of output");
            }
            stdout.detach();
            stderr.detach();
            return new RunOutcome(done, run.killedAfterGrace, exit, Duration.ofNanos(System.nanoTime() - startNanos));
        } catch (ExecutionException e) {
            throw new IllegalStateException("run futures never fail", e);
        } finally {
            killer.cancel(false);
            active = null;
        }
    }

    /** Interrupts the code running now (KeyboardInterrupt inside it); false if none runs. */
    public boolean interrupt() {
        ActiveRun run = active;
        return run != null && send(WireCodec.fields("t", "interrupt", "run", run.id));
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
        if (!zygote.isAlive() || !zygote.kill(id)) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
    }

    private synchronized boolean send(Map<String, Object> msg) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(WireCodec.line(msg));
            while (buf.hasRemaining()) {
                control.write(buf);
            }
            return true;
        } catch (IOException e) {
            LOG.debug("worker {}: cannot send {}: {}", id, msg.get("t"), e.toString());
            return false;
        }
    }

    private void readControl() {
        try (JsonParser p = Json.FACTORY.createParser(Channels.newInputStream(control))) {
            WorkerMessage m;
            while ((m = WireCodec.readWorker(p)) != null) {
                ActiveRun run = active;
                if (m instanceof WorkerMessage.Ready r) {
                    ready.complete(r);
                } else if (m instanceof WorkerMessage.Output out) {
                    if (run != null) {
                        for (WorkerMessage.Output.Group g : out.groups()) {
                            for (String text : g.writes()) {
                                run.recorder.record(g.stream(), text);
                            }
                        }
                    }
                } else if (m instanceof WorkerMessage.Done d) {
                    if (run != null && run.id == d.run()) {
                        run.done.complete(d);
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("worker {} control channel: {}", id, e.toString());
            }
        } finally {
            ready.completeExceptionally(new PyExec4jException("worker " + id + " closed its control channel"));
            controlEnded.complete(null);
        }
    }

    /** Kills the worker and everything it started; waits for its threads. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killTree();
        try {
            control.close();
        } catch (IOException e) {
            LOG.debug("worker {}: closing control: {}", id, e.toString());
        }
        awaitQuietly(CompletableFuture.allOf(stdout.ended(), stderr.ended()), "end of output at close");
        if (zygote.isAlive()) {
            awaitQuietly(zygote.exitOf(id), "exit at close");
        }
        zygote.forget(id);
        for (Thread t : threads) {
            try {
                t.join(DRAIN_LIMIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
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

    private static void closeQuietly(WorkerChannels channels) {
        for (CompletableFuture<SocketChannel> f : List.of(channels.control(), channels.stdout(), channels.stderr())) {
            f.thenAccept(ch -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a half-made worker
                }
            });
            f.cancel(false);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
