package org.pyexec4j.internal.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.IsolationReport;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.PythonInfo;
import org.pyexec4j.RunRequest;
import org.pyexec4j.internal.output.KeptOutputBudget;
import org.pyexec4j.internal.output.OutputRecorder;
import org.pyexec4j.internal.sandbox.SandboxPlan;
import org.pyexec4j.internal.sandbox.SandboxPlanner;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.ZygoteMessage;
import org.pyexec4j.internal.worker.ChannelServer;
import org.pyexec4j.internal.worker.Deadlines;
import org.pyexec4j.internal.worker.PythonLocator;
import org.pyexec4j.internal.worker.WorkerIo;
import org.pyexec4j.internal.worker.WorkerProcess;
import org.pyexec4j.internal.worker.WorkerScript;
import org.pyexec4j.internal.worker.Zygote;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Everything an Interpreter owns: the zygote, the socket, the sessions and their threads. */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final AtomicInteger ENGINES = new AtomicInteger();
    private static final int SPARE_WORKERS = 2;
    private static final Duration BACKGROUND_IDLE = Duration.ofSeconds(10);
    /** Names of the one-run sessions of runs that name none. */
    static final String ANONYMOUS_PREFIX = "~run-";

    private final EngineConfig config;
    private final String prefix;
    private final PythonLocator.ResolvedPython python;
    private final EngineDirectories dirs;
    private final Path runtimeDir;
    private final Path sessionsRoot;
    private final SandboxPlan plan;
    private final Path script;
    private final ChannelServer server;
    private final WorkerIo io;
    private final ExecutorService background;
    /** Kills runs at timeout + grace: one thread for every session of this engine. */
    private final Deadlines timer;
    private final WorkerPool pool;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** The output all runs together keep: each run's own limit does not bound many at once. */
    private final KeptOutputBudget keptOutput = KeptOutputBudget.ofHeap();
    /** The sessions of single runs ({@code run(code)}), until retired: close() ends them too. */
    private final Set<Session> singleRuns = ConcurrentHashMap.newKeySet();
    private final AtomicLong workerIds = new AtomicLong();
    private final AtomicLong anonymousRuns = new AtomicLong();
    private final AtomicInteger sessionUsers = new AtomicInteger();
    private final Object zygoteLock = new Object();
    private volatile Zygote zygote;
    private volatile boolean ipython;
    private volatile boolean closed;
    /**
     * Closes the engine when the JVM ends without close() (SIGTERM, System.exit): its
     * processes would end with it anyway, but its directories would wait for the next JVM's
     * engine to find them. Removed by close().
     */
    private final Thread atExit;

    private Engine(EngineConfig config, PythonLocator.ResolvedPython python, EngineDirectories dirs,
                   SandboxPlan plan, ChannelServer server, WorkerIo io, Deadlines timer, String prefix) {
        this.config = config;
        this.dirs = dirs;
        this.sessionsRoot = dirs.sessionsRoot();
        Path runtimeDir = dirs.runtime();
        this.plan = plan;
        this.io = io;
        this.python = python;
        this.runtimeDir = runtimeDir;
        this.server = server;
        this.prefix = prefix;
        this.script = WorkerScript.install(runtimeDir);
        // threads for work that waits (starting workers, big results, endings); a burst of new
        // sessions starts many, which end after 10 s idle, not the JDK's cached pool's minute
        this.background = new ThreadPoolExecutor(0, Integer.MAX_VALUE, BACKGROUND_IDLE.toSeconds(), TimeUnit.SECONDS,
                new SynchronousQueue<>(), named(prefix + "-background"));
        this.timer = timer;
        this.pool = new WorkerPool(SPARE_WORKERS, this::startWorker, background);
        this.atExit = new Thread(this::close, prefix + "-at-exit");
        try {
            Runtime.getRuntime().addShutdownHook(atExit);
        } catch (IllegalStateException e) {
            // built while the JVM is ending (in another hook): whoever built it closes it
        }
    }

    public static Engine start(EngineConfig config) {
        PythonLocator.ResolvedPython python = PythonLocator.resolve(config.python());
        String prefix = "pyexec4j-" + ENGINES.incrementAndGet();
        EngineDirectories dirs = EngineDirectories.create(config.keepWorkingDirectories());
        Path runtime = dirs.runtime();
        SandboxPlan plan;
        try {
            plan = SandboxPlanner.plan(new SandboxPlanner.Request(config.isolation(), config.requireIsolation(),
                    config.network(), config.limits(), config.environment(), config.workingDirectory()),
                    python, runtime, dirs.sessionsRoot());
        } catch (RuntimeException e) {
            dirs.remove(false);
            throw e;
        }
        ChannelServer server;
        WorkerIo io = null;
        Deadlines timer = new Deadlines(prefix + "-deadlines");
        try {
            io = new WorkerIo(prefix + "-io");
            server = ChannelServer.open(runtime.resolve("s"), io, timer);
            if (plan.report().workerUsers()) {
                // workers that run as their own users connect here too; the secret keeps others out
                Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx--x--x"));
                Files.setPosixFilePermissions(runtime.resolve("s"), PosixFilePermissions.fromString("rw-rw-rw-"));
            }
        } catch (IOException e) {
            timer.close();
            if (io != null) {
                io.close();
            }
            plan.close();
            dirs.remove(false);
            throw new PyExec4jException("cannot open the worker socket in " + runtime + ": " + e.getMessage(), e);
        }
        if (plan.report().level() != plan.report().requested()) {
            LOG.warn("isolation {} is not possible here; running with {}: {}", plan.report().requested(),
                    plan.report().level(), String.join("; ", plan.report().notEnforced()));
        }
        Engine engine = new Engine(config, python, dirs, plan, server, io, timer, prefix);
        try {
            engine.zygote();
            if (config.ipythonTracebacks() && !engine.ipython) {
                throw new PyExec4jException("IPython tracebacks were asked for, but IPython is not importable by "
                        + python.executable() + " (Python " + python.version() + "): install it there"
                        + " (pip install ipython) or turn ipythonTracebacks off");
            }
            engine.pool.refill();
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    EngineConfig config() {
        return config;
    }

    public IsolationReport isolation() {
        return plan.report();
    }

    public PythonInfo python() {
        return new PythonInfo(python.executable(), python.version(), ipython);
    }

    public ExecutionResult run(RunRequest request) {
        if (closed) {
            throw new PyExec4jException("this Interpreter is closed");
        }
        boolean single = request.session() == null;
        Session s = single ? singleRunSession() : sessions.computeIfAbsent(request.session(), this::newSession);
        try {
            return s.runAndWait(single ? request.withReset(true) : request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PyExec4jException("interrupted while waiting for a run in session '" + s.name() + "'", e);
        } finally {
            if (single) {
                retireSingleRun(s);
            }
        }
    }

    private Session singleRunSession() {
        Session s = newSession(ANONYMOUS_PREFIX + anonymousRuns.incrementAndGet());
        singleRuns.add(s);
        return s;
    }

    private void retireSingleRun(Session s) {
        singleRuns.remove(s);
        retire(s);
    }

    public CompletableFuture<ExecutionResult> runAsync(RunRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(new PyExec4jException("this Interpreter is closed"));
        }
        if (request.session() == null) {
            Session s = singleRunSession();
            return s.submit(request.withReset(true)).whenComplete((r, e) -> retireSingleRun(s));
        }
        Session s = sessions.computeIfAbsent(request.session(), this::newSession);
        return s.submit(request);
    }

    public boolean interrupt(String session) {
        Session s = sessions.get(session);
        return s != null && s.interrupt();
    }

    public void closeSession(String session) {
        refuseInListener("closeSession()");
        Session s = sessions.remove(session);
        if (s != null) {
            s.close();
            pool.forget(s.spareKey());
        }
    }

    public List<String> sessions() {
        return new ArrayList<>(sessions.keySet());
    }

    private Session newSession(String name) {
        if (closed) {
            throw new PyExec4jException("this Interpreter is closed");
        }
        int uid = SandboxPlanner.FIRST_WORKER_UID + sessionUsers.incrementAndGet();
        SessionDirectory dir;
        if (config.workingDirectory() != null) {
            dir = SessionDirectory.shared(config.workingDirectory());
        } else {
            dir = SessionDirectory.temporary(sessionsRoot, name, config.keepWorkingDirectories());
            if (plan.report().workerUsers()) {
                dir.giveTo(uid); // here, once, instead of in each fresh worker's first run
            }
        }
        return new Session(name, this, dir, uid);
    }

    /** A worker with a fresh interpreter state; waits for one to start when no spare is ready. */
    WorkerProcess freshWorker() {
        return pool.take();
    }

    /** Runs a short task on the deadline thread after a delay; dropped when the engine is closing. */
    void later(Runnable task, Duration delay) {
        timer.after(delay, task);
    }

    /** Starts spare workers in the background until the pool is full again. */
    void refillPool() {
        pool.refill();
    }

    /** The spare prepared for a session (by its {@link Session#spareKey()}), or null. */
    WorkerProcess preparedWorker(String spareKey) {
        return pool.takePrepared(spareKey);
    }

    /**
     * Prepares a spare for a session that is likely to ask for a fresh state again; kept only
     * while {@code wanted} (the session is open).
     */
    void prepareSpare(String spareKey, Path workdir, int uid, BooleanSupplier wanted) {
        if (!closed) {
            pool.prepareFor(spareKey, w -> w.prepare(workdir, uid), wanted);
        }
    }

    /** A spare worker with a fresh interpreter state, or null when none is ready now. */
    WorkerProcess readyWorker() {
        return pool.takeReady();
    }

    KeptOutputBudget keptOutput() {
        return keptOutput;
    }

    /** Where slow work goes (starting workers, big results, endings), off the callers' and IO threads. */
    ExecutorService background() {
        return background;
    }

    /** Ends a worker or a session in the background: that must not delay the next run. */
    void retire(AutoCloseable owner) {
        Runnable close = () -> {
            try {
                owner.close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", owner, e.toString());
            }
        };
        try {
            background.execute(close);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            close.run();
        }
    }

    private WorkerProcess startWorker(boolean forThePool) {
        if (closed) {
            throw new PyExec4jException("this Interpreter is closed");
        }
        Map<String, Object> options = WireCodec.fields("rehearse", forThePool, "file_name", config.runFileName(),
                "ipython", config.ipythonTracebacks());
        try {
            return WorkerProcess.start(zygote(), server, io, timer, background, "w" + workerIds.incrementAndGet(), options);
        } catch (PyExec4jException e) {
            if (zygote != null && zygote.isAlive()) {
                throw e;
            }
            // user code may kill the zygote (it is the worker's parent): once, with a new one
            return WorkerProcess.start(zygote(), server, io, timer, background, "w" + workerIds.incrementAndGet(), options);
        }
    }

    private Zygote zygote() {
        Zygote z = zygote;
        if (z != null && z.isAlive()) {
            return z;
        }
        synchronized (zygoteLock) {
            if (zygote != null && zygote.isAlive()) {
                return zygote;
            }
            if (zygote != null) {
                LOG.warn("the zygote process died (killed by user code?); starting a new one. Its log: {}",
                        zygote.recentLog());
                zygote.close();
            }
            Path inside = plan.runtimeDirInside();
            Map<String, Object> args = WireCodec.fields("socket", inside.resolve(server.path().getFileName()).toString(),
                    "preload", config.preload());
            args.putAll(plan.workerOptions());
            List<String> command = new ArrayList<>(plan.launchPrefix());
            command.addAll(List.of(python.executable().toString(), inside.resolve(script.getFileName()).toString(),
                    new String(WireCodec.line(args), java.nio.charset.StandardCharsets.UTF_8).trim()));
            Zygote started = Zygote.start(command, runtimeDir, plan.environment(), prefix + "-zygote");
            ZygoteMessage.Hello hello = started.hello();
            if (!hello.preloadFailures().isEmpty()) {
                LOG.warn("preloading failed for: {}", hello.preloadFailures());
            }
            ipython = hello.ipython();
            zygote = started;
            return started;
        }
    }

    /** Closing waits for the runs going on, and a listener's own run cannot end while it is called. */
    private static void refuseInListener(String what) {
        if (OutputRecorder.inListener()) {
            throw new IllegalStateException(what + " cannot be called from an output listener: it waits for the"
                    + " runs going on, the listener's own among them; call it from another thread");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        refuseInListener("close()");
        synchronized (this) { // once, also when the hook at exit and a caller's close() meet
            if (closed) {
                return;
            }
            closed = true;
        }
        if (Thread.currentThread() != atExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(atExit);
            } catch (IllegalStateException e) {
                // the JVM is ending: the hook is running or about to, and finds it closed
            }
        }
        pool.close(); // first: a refill under way then ends quietly
        List<Session> all = new ArrayList<>(sessions.values());
        sessions.clear();
        all.addAll(singleRuns);
        singleRuns.clear();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Session s : all) {
            closing.add(CompletableFuture.runAsync(s::close, background));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing sessions: {}", e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        pool.close();
        background.shutdown();
        try {
            if (!background.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("background tasks did not end within 30 s");
                background.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            background.shutdownNow();
        }
        pool.close(); // a refill that finished during shutdown
        timer.close();
        synchronized (zygoteLock) {
            if (zygote != null) {
                zygote.close();
            }
        }
        server.close();
        io.close();
        plan.close();
        dirs.remove(config.keepWorkingDirectories());
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
