package org.pyexec4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.pyexec4j.Interpreter;
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

    /** The limit of one run. */
    public Duration timeout() {
        return timeout;
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
        List<String> modules = preload.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        b.preload(modules.toArray(String[]::new));
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
