package org.pyexec4j.internal.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.pyexec4j.IsolationLevel;
import org.pyexec4j.IsolationReport;
import org.pyexec4j.Limits;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.internal.worker.PythonLocator;

/** Decides, from what is asked and what the machine allows, how workers are isolated. */
public final class SandboxPlanner {
    /** Where the runtime directory is mounted inside the sandbox (outside /tmp, which workers replace). */
    static final Path RUNTIME_INSIDE = Paths.get("/run/pyexec4j");
    /** Workers that run as their own user get uids from here on. */
    public static final int FIRST_WORKER_UID = 200_000;
    private static final List<String> THREAD_VARIABLES = List.of(
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS");
    /** Passed through from the JVM when set: they change how libraries behave, not secrets. */
    private static final List<String> PASSED_THROUGH = List.of("LANG", "LC_ALL", "LC_CTYPE", "TZ",
            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    /** What is asked for. */
    public record Request(
            IsolationLevel level,
            boolean requireLevel,
            boolean network,
            Limits limits,
            Map<String, String> environment,
            Path sharedWorkingDirectory) {}

    private SandboxPlanner() {}

    public static SandboxPlan plan(Request request, PythonLocator.ResolvedPython python, Path runtimeDir,
                                   Path sessionsRoot) {
        MachineProbe machine = MachineProbe.get();
        List<String> notEnforced = new ArrayList<>();
        IsolationLevel level = request.level();
        if (level == IsolationLevel.SANDBOX && machine.bwrap() == null) {
            notEnforced.add("sandbox: " + machine.bwrapProblem() + "; running with limits only");
            level = IsolationLevel.LIMITS;
        }
        if (request.requireLevel() && level != request.level()) {
            throw new PyExec4jException("isolation level " + request.level() + " was required but is not possible here: "
                    + String.join("; ", notEnforced) + " (or ask for a lower level)");
        }
        boolean sandbox = level == IsolationLevel.SANDBOX;
        boolean limited = level != IsolationLevel.NONE;
        Limits limits = limited ? request.limits() : Limits.none();
        boolean workerUsers = sandbox && machine.root() && request.sharedWorkingDirectory() == null;
        if (sandbox && !workerUsers) {
            notEnforced.add(machine.root()
                    ? "per-session users: the working directory is shared by all sessions, so they share a user"
                            + " (uid 0 without any capability) and can signal each other and the engine's processes"
                    : "per-session users and /tmp: the JVM is not root, so the sessions of one Interpreter share a user,"
                            + " a /tmp and a PID namespace (use one Interpreter per tenant)");
        }
        Path cgroup = null;
        String processLimit = null;
        if (limits.processes() != null) {
            if (machine.root() && machine.pidsCgroupRoot() != null) {
                cgroup = createGroup(machine.pidsCgroupRoot(), "processes", notEnforced);
                processLimit = cgroup == null ? null : "cgroup";
            }
            if (cgroup == null && (workerUsers || !machine.root())) {
                processLimit = workerUsers ? "rlimit" : null;
            }
            if (processLimit == null) {
                notEnforced.add("processes: " + (machine.root()
                        ? "no writable pids cgroup (" + machine.cgroupProblem() + ") and RLIMIT_NPROC does not bind root"
                        : "RLIMIT_NPROC would count every process of this user, the JVM's threads included"));
            }
        }

        Path memoryCgroup = null;
        String memoryLimit = null;
        if (limits.memoryBytes() != null) {
            memoryLimit = "rlimit";
            if (machine.root() && machine.memoryCgroupRoot() != null) {
                memoryCgroup = createGroup(machine.memoryCgroupRoot(),
                        "memory of a session's processes together (each process is still limited)", notEnforced);
                memoryLimit = memoryCgroup == null ? memoryLimit : "cgroup";
            } else {
                notEnforced.add("memory of a session's processes together: " + (machine.root()
                        ? "no writable memory cgroup (" + machine.memoryCgroupProblem() + ")"
                        : "the JVM is not root, so it cannot create memory cgroups")
                        + "; each process's address space is still limited");
            }
        }

        Map<String, String> env = limited ? environment(request, python, limits) : null;
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("limits", limitOptions(limits, processLimit));
        options.put("cgroup", cgroup == null ? null : cgroup.toString());
        options.put("memory_cgroup", memoryCgroup == null ? null : memoryCgroup.toString());
        if (workerUsers) {
            options.put("confine", Map.of("sessions_root", sessionsRoot.toString()));
        } else if (sandbox && machine.root()) {
            // a shared working directory keeps the workers on the JVM's uid 0: they drop every
            // capability instead (no remounting the read-only system, no kernel modules, ...)
            options.put("drop_capabilities", true);
        }
        List<String> prefix = sandbox
                ? bubblewrap(machine.bwrap(), request, python, runtimeDir, sessionsRoot,
                        Stream.of(cgroup, memoryCgroup).filter(Objects::nonNull).toList(), env)
                : List.of();
        IsolationReport report = new IsolationReport(request.level(), level, sandbox && !request.network(), sandbox,
                sandbox, workerUsers, limited, limits, processLimit, memoryLimit, notEnforced);
        return new SandboxPlan(prefix, env, sandbox ? RUNTIME_INSIDE : runtimeDir, options, report,
                Stream.of(cgroup, memoryCgroup).filter(Objects::nonNull).toList());
    }

    /** The Interpreter's group in {@code hierarchy}, or null with the reason in {@code notEnforced}. */
    private static Path createGroup(Path hierarchy, String what, List<String> notEnforced) {
        try {
            return OwnedCgroups.create(hierarchy);
        } catch (IOException e) {
            notEnforced.add(what + ": cannot create a group in " + hierarchy + ": " + e.getMessage());
            return null;
        }
    }

    private static Map<String, Object> limitOptions(Limits limits, String processLimit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("as", limits.memoryBytes());
        m.put("cpu", limits.cpuTime() == null ? null : limits.cpuTime().toSeconds());
        m.put("fsize", limits.fileSizeBytes());
        m.put("nofile", limits.openFiles());
        m.put("nproc", processLimit == null ? null : limits.processes());
        return m;
    }

    private static Map<String, String> environment(Request request, PythonLocator.ResolvedPython python, Limits limits) {
        Map<String, String> host = System.getenv();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", python.executable().getParent() + ":/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", host.getOrDefault("LANG", "C.UTF-8"));
        for (String name : PASSED_THROUGH) {
            if (host.containsKey(name)) {
                env.put(name, host.get(name));
            }
        }
        env.put("TMPDIR", "/tmp");
        // numeric libraries start a thread per core; the limits count threads as processes
        String threads = String.valueOf(Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(),
                limits.processes() == null ? Integer.MAX_VALUE : Math.max(1, limits.processes() / 8))));
        for (String name : THREAD_VARIABLES) {
            env.put(name, threads);
        }
        env.putAll(request.environment());
        return env;
    }

    private static List<String> bubblewrap(Path bwrap, Request request, PythonLocator.ResolvedPython python,
                                           Path runtimeDir, Path sessionsRoot, List<Path> cgroups,
                                           Map<String, String> env) {
        List<String> c = new ArrayList<>(List.of(bwrap.toString(), "--new-session", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts"));
        if (!request.network()) {
            c.add("--unshare-net");
        }
        // /dev/shm writable, as on the host: multiprocessing's locks, queues and pools, and
        // shared memory, need it (bwrap's /dev has it read-only)
        c.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm",
                "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run"));
        List<Path> hiddenDirs = new ArrayList<>();
        for (String hidden : List.of("/home", "/root", "/var/run", "/mnt", "/media")) {
            Path dir = Paths.get(hidden);
            if (Files.isDirectory(dir) && !Files.isSymbolicLink(dir)) {
                c.addAll(List.of("--perms", "0755", "--tmpfs", hidden));
                hiddenDirs.add(dir);
            }
        }
        for (Path prefix : python.prefixes()) {
            // a Python under a hidden home (pyenv) stays visible; the directories leading to
            // it must be traversable by the workers' own users (bwrap makes them 0700)
            for (Path hidden : hiddenDirs) {
                if (prefix.startsWith(hidden)) {
                    for (int i = hidden.getNameCount() + 1; i < prefix.getNameCount(); i++) {
                        c.addAll(List.of("--perms", "0755", "--dir", "/" + prefix.subpath(0, i)));
                    }
                }
            }
            c.addAll(List.of("--ro-bind", prefix.toString(), prefix.toString()));
        }
        c.addAll(List.of("--bind", runtimeDir.toString(), RUNTIME_INSIDE.toString()));
        Path work = request.sharedWorkingDirectory() != null ? request.sharedWorkingDirectory() : sessionsRoot;
        c.addAll(List.of("--bind", work.toString(), work.toString()));
        for (Path cgroup : cgroups) {
            c.addAll(List.of("--bind", cgroup.toString(), cgroup.toString()));
        }
        c.addAll(List.of("--chdir", RUNTIME_INSIDE.toString(), "--clearenv"));
        for (Map.Entry<String, String> e : env.entrySet()) {
            c.addAll(List.of("--setenv", e.getKey(), e.getValue()));
        }
        c.add("--");
        return c;
    }
}
