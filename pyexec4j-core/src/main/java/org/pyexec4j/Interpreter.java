package org.pyexec4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.pyexec4j.internal.engine.Engine;
import org.pyexec4j.internal.engine.EngineConfig;

/**
 * Runs Python code in separate CPython processes and tells exactly what happened.
 *
 * <p>A run without a session name gets a fresh interpreter state. A named session keeps
 * its globals and imports between runs ({@code reset=false}); runs of one session are
 * served one after another, in order, and sessions run concurrently, each in its own
 * worker process. Thread-safe. {@link #close()} ends every process it started.
 *
 * <pre>{@code
 * try (Interpreter py = Interpreter.builder().timeout(Duration.ofSeconds(10)).build()) {
 *     ExecutionResult r = py.run("print(6 * 7)");
 *     r.termOut();   // ["42", "\n", "Execution time: a moment seconds (time limit is 10 seconds)."]
 * }
 * }</pre>
 */
public final class Interpreter implements AutoCloseable {
    private final Engine engine;

    private Interpreter(Engine engine) {
        this.engine = engine;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs code in a fresh interpreter state of its own (the reference's {@code reset_session=True}). */
    public ExecutionResult run(String code) {
        return run(RunRequest.of(code));
    }

    /** Runs a request and waits for its result. */
    public ExecutionResult run(RunRequest request) {
        return engine.run(request);
    }

    /**
     * Runs a request; the future completes with its result (or a {@link PyExec4jException}).
     * Cancelling the future does not stop the run ({@link #interrupt} does): the session's
     * later runs wait for it as for any other.
     */
    public CompletableFuture<ExecutionResult> runAsync(RunRequest request) {
        return engine.runAsync(request);
    }

    /**
     * Interrupts the code running in a session, as Ctrl-C would ({@code KeyboardInterrupt}
     * inside it). The session and its state are kept.
     *
     * @return whether code was running in that session
     */
    public boolean interrupt(String session) {
        return engine.interrupt(session);
    }

    /**
     * Ends a session and every process it started; its next run starts fresh. Not from an
     * output listener ({@link IllegalStateException}): it waits for the runs going on.
     */
    public void closeSession(String session) {
        engine.closeSession(session);
    }

    /** The names of the sessions that currently hold a worker or have runs queued. */
    public List<String> sessions() {
        return engine.sessions();
    }

    /** What isolation is in force: detected when the interpreter started, never assumed. */
    public IsolationReport isolation() {
        return engine.isolation();
    }

    /** The Python interpreter in use: its resolved path and version. */
    public PythonInfo python() {
        return engine.python();
    }

    /**
     * Ends every session and process this interpreter started; idempotent, bounded. Runs going
     * on end with a result that says the session was closed. Not from an output listener
     * ({@link IllegalStateException}): it waits for the runs going on.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** Configures an {@link Interpreter}; every setting has the reference's default. */
    public static final class Builder {
        private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\.py");
        private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

        private Path workingDirectory;
        private boolean keepWorkingDirectories;
        private Duration timeout = Duration.ofHours(1);
        private Duration grace = Duration.ofSeconds(5);
        private String runFileName = "runfile.py";
        private boolean ipythonTracebacks;
        private String python = "python3";
        private long outputLimitBytes = 64L << 20;
        private final List<String> preload = new ArrayList<>();
        private IsolationLevel isolation = IsolationLevel.SANDBOX;
        private boolean requireIsolation;
        private boolean network;
        private Limits limits = Limits.defaults();
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The working directory of every session (the reference's {@code working_dir}). It
         * must exist. Default: a fresh temporary directory per session, removed when the
         * session ends unless {@link #keepWorkingDirectories(boolean)}.
         */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Keep the temporary per-session working directories after their session ends. */
        public Builder keepWorkingDirectories(boolean keep) {
            this.keepWorkingDirectories = keep;
            return this;
        }

        /** Default limit of one run (3600 s, as the reference). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long code may ignore the interrupt at its limit before it is killed (5 s). */
        public Builder grace(Duration grace) {
            this.grace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /** Name of the file the code is written to while it runs ({@code runfile.py}). */
        public Builder runFileName(String name) {
            this.runFileName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Format tracebacks as IPython does (the reference's {@code format_tb_ipython}). */
        public Builder ipythonTracebacks(boolean on) {
            this.ipythonTracebacks = on;
            return this;
        }

        /**
         * The Python executable: a path, or a command looked up on {@code PATH} (default
         * {@code python3}). Resolved once to the real interpreter (pyenv shims cost 0.2 s a start).
         */
        public Builder python(String executable) {
            this.python = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * Most output kept per run, in UTF-8 bytes; past it the head and tail are kept (64 MiB).
         * The number of writes kept is bounded too, to one per 64 bytes of the limit (at least
         * 65 536): a flood of tiny writes is cut the same way before it fills the JVM's heap.
         */
        public Builder outputLimitBytes(long bytes) {
            this.outputLimitBytes = bytes;
            return this;
        }

        /** Modules imported once into the warm process that fresh states are forked from. */
        public Builder preload(String... modules) {
            for (String m : modules) {
                preload.add(Objects.requireNonNull(m, "module"));
            }
            return this;
        }

        /**
         * How far the code is kept from the host (default {@link IsolationLevel#SANDBOX}, or the
         * most this machine allows; see {@link Interpreter#isolation()} for what is in force).
         */
        public Builder isolation(IsolationLevel level) {
            this.isolation = Objects.requireNonNull(level, "level");
            return this;
        }

        /** Fail at build() when the isolation level asked for is not possible here (default: degrade and report). */
        public Builder requireIsolation(boolean require) {
            this.requireIsolation = require;
            return this;
        }

        /** Let user code reach the network (default: no network in the sandbox). */
        public Builder allowNetwork(boolean allow) {
            this.network = allow;
            return this;
        }

        /** Resource limits of each worker (default {@link Limits#defaults()}); ignored at {@link IsolationLevel#NONE}. */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Adds a variable to the environment user code sees. Beyond these, it sees only PATH,
         * LANG, TMPDIR, HOME (its working directory) and thread-count variables: the JVM's
         * environment does not reach it (at {@link IsolationLevel#NONE} it is inherited).
         */
        public Builder environment(String name, String value) {
            if (Objects.requireNonNull(name, "name").isEmpty() || name.contains("=")) {
                throw new IllegalArgumentException("environment: '" + name + "' is not a variable name");
            }
            environment.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Checks the configuration, finds Python and starts the warm process.
         *
         * @throws IllegalArgumentException naming the setting and the rule it breaks
         * @throws PyExec4jException when Python cannot be found or started
         */
        public Interpreter build() {
            if (workingDirectory != null && !Files.isDirectory(workingDirectory)) {
                throw new IllegalArgumentException("workingDirectory " + workingDirectory
                        + " does not exist or is not a directory: create it first, or leave it unset"
                        + " for a temporary directory per session");
            }
            requirePositive("timeout", timeout);
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative, was " + grace);
            }
            requireAtMostTheLongest("timeout", timeout);
            requireAtMostTheLongest("grace", grace);
            if (!FILE_NAME.matcher(runFileName).matches()) {
                throw new IllegalArgumentException("runFileName must be a plain file name ending in .py"
                        + " (letters, digits, '_', '-', '.'), was '" + runFileName + "'");
            }
            if (outputLimitBytes < 1024) {
                throw new IllegalArgumentException("outputLimitBytes must be at least 1024, was " + outputLimitBytes);
            }
            if (python.isBlank()) {
                throw new IllegalArgumentException("python must name an executable, was blank");
            }
            for (String m : preload) {
                if (!MODULE.matcher(m).matches()) {
                    throw new IllegalArgumentException("preload: '" + m + "' is not a module name");
                }
            }
            EngineConfig config = new EngineConfig(
                    workingDirectory == null ? null : workingDirectory.toAbsolutePath().normalize(),
                    keepWorkingDirectories, timeout, grace, runFileName, ipythonTracebacks, python,
                    outputLimitBytes, preload, isolation, requireIsolation, network, limits, environment);
            return new Interpreter(Engine.start(config));
        }

        /** Longer durations would overflow the nanoseconds they are counted in. */
        private static void requireAtMostTheLongest(String name, Duration d) {
            if (d.compareTo(RunRequest.MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + RunRequest.MAX_TIMEOUT.getSeconds()
                        + " s, was " + d);
            }
        }

        private static void requirePositive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }
}
