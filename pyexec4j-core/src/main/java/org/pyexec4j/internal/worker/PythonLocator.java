package org.pyexec4j.internal.worker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.pyexec4j.PyExec4jException;

/**
 * Finds the real Python interpreter behind a name such as {@code python3}, once per JVM.
 *
 * <p>A pyenv shim costs ~0.2 s per start, so the engine never starts workers through it:
 * the shim runs once here and tells {@code sys.executable}.
 */
public final class PythonLocator {
    private static final Map<String, ResolvedPython> CACHE = new ConcurrentHashMap<>();
    private static final String PROBE = "import sys, os\n"
            + "print(os.pathsep.join(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})))\n"
            + "print(sys.executable)\n"
            + "print('%d.%d.%d' % sys.version_info[:3])";

    /** The real interpreter and its version. */
    /**
     * The real interpreter, its version, and the directories it lives in (its prefixes; a
     * sandbox must keep them visible).
     */
    public record ResolvedPython(Path executable, String version, List<Path> prefixes) {}

    private PythonLocator() {}

    public static ResolvedPython resolve(String python) {
        return CACHE.computeIfAbsent(python, PythonLocator::probe);
    }

    private static ResolvedPython probe(String python) {
        Path candidate = locate(python);
        Process p;
        try {
            p = new ProcessBuilder(candidate.toString(), "-c", PROBE)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new PyExec4jException("cannot start Python '" + candidate + "': " + e.getMessage()
                    + "; set the Python executable explicitly (builder python(...), or --python)", e);
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PyExec4jException("Python '" + candidate + "' did not answer a version probe in 30 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            List<String> lines = out.lines().toList();
            if (p.exitValue() != 0 || lines.size() < 3) {
                // its last line says most (a Python 2's AttributeError); the rest may echo the probe's code
                String last = lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).strip();
                throw new PyExec4jException("'" + candidate + "' does not run as CPython 3.9 or newer (a version"
                        + " probe failed with exit code " + p.exitValue() + ": "
                        + (last.length() > 200 ? last.substring(0, 200) + "..." : last) + ")");
            }
            String version = lines.get(lines.size() - 1);
            String exe = lines.get(lines.size() - 2);
            Path real = exe.isEmpty() ? candidate : Paths.get(exe);
            String[] parts = version.split("\\.");
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            if (major != 3 || minor < 9) {
                throw new PyExec4jException("Python '" + candidate + "' is version " + version
                        + "; pyexec4j needs CPython 3.9 or newer: point it at one (builder python(...), or --python)");
            }
            List<Path> prefixes = new java.util.ArrayList<>();
            for (String prefix : lines.get(lines.size() - 3).split(File.pathSeparator)) {
                if (!prefix.isEmpty()) {
                    prefixes.add(Paths.get(prefix));
                }
            }
            return new ResolvedPython(real, version, prefixes);
        } catch (IOException e) {
            throw new PyExec4jException("cannot read the version probe of Python '" + candidate + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new PyExec4jException("interrupted while probing Python '" + candidate + "'", e);
        }
    }

    private static Path locate(String python) {
        if (python.contains(File.separator)) {
            Path path = Paths.get(python);
            if (!Files.isExecutable(path)) {
                throw new PyExec4jException("Python executable '" + python + "' does not exist or is not executable;"
                        + " install Python 3.9+ or point pyexec4j at it (builder python(...), or --python)");
            }
            return path;
        }
        String pathEnv = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathEnv.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, python);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        throw new PyExec4jException("no '" + python + "' on PATH (" + pathEnv + "); install Python 3.9+"
                + " (e.g. apt-get install python3) or point pyexec4j at it (builder python(...), or --python)");
    }
}
