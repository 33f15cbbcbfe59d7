package org.pyexec4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.pyexec4j.Interpreter;
import org.pyexec4j.IsolationLevel;
import org.pyexec4j.Limits;
import org.pyexec4j.PyExec4jException;
import picocli.CommandLine.Option;

/** The options every command shares: how the Python processes are started and limited. */
public final class EngineOptions {
    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Converters.Seconds.class,
            defaultValue = "3600",
            description = "Time limit of one run, in seconds (fractions allowed). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--grace", paramLabel = "SECONDS", converter = Converters.Seconds.class,
            defaultValue = "5",
            description = "How long code may ignore the interrupt at its time limit before it is killed."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Option(names = "--python", paramLabel = "PATH",
            description = "The Python 3 interpreter: a path or a command on PATH. Default: python3.")
    String python;

    @Option(names = "--workdir", paramLabel = "DIR",
            description = "Working directory of the code (must exist and be writable)."
                    + " Default: a fresh temporary directory per session, removed at its end.")
    String workdir;

    @Option(names = "--keep-workdir",
            description = "Keep the temporary working directories after their session ends.")
    boolean keepWorkdir;

    @Option(names = "--output-limit", paramLabel = "BYTES", converter = Converters.Bytes.class,
            description = "Most output kept per run (e.g. 64M); past it the head and the tail are kept."
                    + " Default: 64M.")
    Long outputLimit;

    @Option(names = "--preload", paramLabel = "MODULE", split = ",",
            description = "Modules imported once in the warm process fresh states start from"
                    + " (e.g. numpy,pandas).")
    List<String> preload = new ArrayList<>();

    @Option(names = "--isolation", paramLabel = "LEVEL",
            description = "none, limits or sandbox. Default: sandbox, or the most this machine allows"
                    + " ('pyexec4j doctor' tells what is in force).")
    String isolation;

    @Option(names = "--require-isolation",
            description = "Refuse to start when the --isolation level is not possible here (default: degrade and say so).")
    boolean requireIsolation;

    @Option(names = "--allow-network", description = "Let the code reach the network (default: none in the sandbox).")
    boolean allowNetwork;

    @Option(names = "--memory-limit", paramLabel = "BYTES", converter = Converters.Bytes.class,
            description = "Address space of each Python process (e.g. 2G); past it, MemoryError. Default: 4G.")
    Long memoryLimit;

    @Option(names = "--cpu-limit", paramLabel = "SECONDS", converter = Converters.Seconds.class,
            description = "CPU time of each Python process, at least 1. Default: 3600.")
    Duration cpuLimit;

    @Option(names = "--max-processes", paramLabel = "N",
            description = "Processes and threads of a session. Default: 256.")
    Integer maxProcesses;

    @Option(names = "--env", paramLabel = "NAME=VALUE",
            description = "A variable for the code's environment (repeatable); nothing else of this"
                    + " process's environment reaches the code unless --isolation none.")
    List<String> env = new ArrayList<>();

    /** The limit of one run. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether the temporary working directories are kept after their sessions end. */
    public boolean keepsWorkingDirectories() {
        return keepWorkdir;
    }

    /**
     * Checks the options and starts an interpreter.
     *
     * @throws CliException with a one-line message saying what to do, for anything the user can fix
     */
    public Interpreter open() {
        return open(null);
    }

    /**
     * As {@link #open()}, with the name the code's file gets in tracebacks ({@code runfile.py}
     * when null). Used only with the temporary per-session directories: in a {@code --workdir}
     * of the user's, a file of that name could be overwritten and then removed.
     */
    public Interpreter open(String runFileName) {
        if (timeout.isZero()) {
            throw new CliException("--timeout must be more than 0 seconds");
        }
        if (outputLimit != null && outputLimit < 1024) {
            throw new CliException("--output-limit must be at least 1024 bytes (e.g. 64M), was " + outputLimit);
        }
        Interpreter.Builder b = Interpreter.builder()
                .timeout(timeout)
                .grace(grace)
                .keepWorkingDirectories(keepWorkdir);
        if (workdir != null) {
            b.workingDirectory(checkedWorkdir(workdir));
        } else if (runFileName != null) {
            b.runFileName(runFileName);
        }
        if (python != null) {
            if (python.isBlank()) {
                throw new CliException("--python must name a Python 3 interpreter, e.g. --python /usr/bin/python3");
            }
            b.python(python);
        }
        if (outputLimit != null) {
            b.outputLimitBytes(outputLimit);
        }
        isolate(b);
        b.preload(preloadModules().toArray(String[]::new));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid setting: " + oneLine(e.getMessage()));
        } catch (PyExec4jException e) {
            String message = oneLine(e.getMessage());
            String advice = message.contains("--python") ? ""
                    : python == null ? " (install Python 3.9+ as python3 on PATH, or pass --python PATH)"
                    : " (check --python " + python + ": it must be a Python 3.9+ interpreter)";
            throw new CliException("cannot start Python: " + message + advice);
        }
    }

    /** The modules --preload names. */
    List<String> preloadModules() {
        return preload.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private void isolate(Interpreter.Builder b) {
        if (isolation != null) {
            try {
                b.isolation(IsolationLevel.valueOf(isolation.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CliException("--isolation must be none, limits or sandbox, was '" + isolation + "'");
            }
        }
        b.requireIsolation(requireIsolation).allowNetwork(allowNetwork);
        Limits limits = Limits.defaults();
        if (memoryLimit != null) {
            try {
                limits = limits.withMemoryBytes(memoryLimit);
            } catch (IllegalArgumentException e) {
                throw new CliException("--memory-limit must be at least 64M (what Python needs to start), was "
                        + memoryLimit + " bytes");
            }
        }
        if (cpuLimit != null) {
            try {
                limits = limits.withCpuTime(cpuLimit);
            } catch (IllegalArgumentException e) {
                throw new CliException("--cpu-limit must be at least 1 second (the kernel counts whole seconds), was "
                        + cpuLimit.toNanos() / 1e9);
            }
        }
        if (maxProcesses != null) {
            if (maxProcesses < 1) {
                throw new CliException("--max-processes must be at least 1, was " + maxProcesses);
            }
            limits = limits.withProcesses(maxProcesses);
        }
        b.limits(limits);
        for (String pair : env) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CliException("--env takes NAME=VALUE, was '" + pair + "'");
            }
            b.environment(pair.substring(0, eq), pair.substring(eq + 1));
        }
    }

    private static Path checkedWorkdir(String dir) {
        Path path;
        try {
            path = Path.of(dir).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new CliException("--workdir '" + dir + "' is not a valid path");
        }
        if (!Files.isDirectory(path)) {
            throw new CliException("--workdir " + path + " does not exist or is not a directory:"
                    + " create it first, or leave --workdir out for a fresh temporary directory per session");
        }
        try {
            Path probe = Files.createTempFile(path, ".pyexec4j-probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new CliException("--workdir " + path + " is not writable: pick a directory you can write to,"
                    + " or leave --workdir out for a fresh temporary directory per session");
        }
        return path;
    }

    /** A message on one line: the first line of it, whitespace runs squeezed. */
    static String oneLine(String message) {
        if (message == null) {
            return "(no details)";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
