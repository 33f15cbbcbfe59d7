package org.pyexec4j.internal.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What this machine allows: bubblewrap, root, a pids cgroup. Asked once per JVM. */
public final class MachineProbe {
    private static volatile MachineProbe cached;

    private final Path bwrap;
    private final String bwrapProblem;
    private final boolean root;
    private final Path pidsCgroupRoot;
    private final String cgroupProblem;
    private final Path memoryCgroupRoot;
    private final String memoryCgroupProblem;

    private MachineProbe(Path bwrap, String bwrapProblem, boolean root, Path pidsCgroupRoot, String cgroupProblem,
                         Path memoryCgroupRoot, String memoryCgroupProblem) {
        this.memoryCgroupRoot = memoryCgroupRoot;
        this.memoryCgroupProblem = memoryCgroupProblem;
        this.bwrap = bwrap;
        this.bwrapProblem = bwrapProblem;
        this.root = root;
        this.pidsCgroupRoot = pidsCgroupRoot;
        this.cgroupProblem = cgroupProblem;
    }

    public static MachineProbe get() {
        MachineProbe p = cached;
        if (p == null) {
            synchronized (MachineProbe.class) {
                if (cached == null) {
                    cached = probe();
                }
                p = cached;
            }
        }
        return p;
    }

    /** The working bubblewrap, or null (see {@link #bwrapProblem()}). */
    public Path bwrap() {
        return bwrap;
    }

    public String bwrapProblem() {
        return bwrapProblem;
    }

    public boolean root() {
        return root;
    }

    /** A writable cgroup v1 pids hierarchy, or null (see {@link #cgroupProblem()}). */
    public Path pidsCgroupRoot() {
        return pidsCgroupRoot;
    }

    public String cgroupProblem() {
        return cgroupProblem;
    }

    /** A writable cgroup v1 memory hierarchy, or null (see {@link #memoryCgroupProblem()}). */
    public Path memoryCgroupRoot() {
        return memoryCgroupRoot;
    }

    public String memoryCgroupProblem() {
        return memoryCgroupProblem;
    }

    private static MachineProbe probe() {
        boolean root = isRoot();
        Path bwrap = onPath("bwrap");
        String bwrapProblem = null;
        if (bwrap == null) {
            bwrapProblem = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap";
        } else {
            String failure = run(List.of(bwrap.toString(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                    "--unshare-pid", "--unshare-net", "--unshare-ipc", "true"));
            if (failure != null) {
                bwrapProblem = "bubblewrap cannot create namespaces here (" + failure + "); user namespaces may be"
                        + " disabled (sysctl kernel.unprivileged_userns_clone) or the container forbids them";
                bwrap = null;
            }
        }
        Path cgroup = Paths.get("/sys/fs/cgroup/pids");
        String cgroupProblem = cgroupProblem(cgroup);
        Path memory = Paths.get("/sys/fs/cgroup/memory");
        String memoryProblem = cgroupProblem(memory);
        if (memoryProblem == null && !Files.exists(memory.resolve("memory.limit_in_bytes"))) {
            memoryProblem = memory + " has no memory.limit_in_bytes";
        }
        if (root) { // once per JVM: the groups of JVMs that died without removing theirs
            if (cgroupProblem == null) {
                OwnedCgroups.removeFrom(cgroup);
            }
            if (memoryProblem == null) {
                OwnedCgroups.removeFrom(memory);
            }
        }
        return new MachineProbe(bwrap, bwrapProblem, root, cgroupProblem == null ? cgroup : null, cgroupProblem,
                memoryProblem == null ? memory : null, memoryProblem);
    }

    /** Null when {@code dir} is a cgroup v1 hierarchy this user can create groups in, else why not. */
    private static String cgroupProblem(Path dir) {
        if (!Files.isDirectory(dir) || !Files.exists(dir.resolve("cgroup.procs"))) {
            return "no cgroup v1 hierarchy at " + dir;
        }
        return Files.isWritable(dir) ? null : dir + " is not writable by this user";
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Paths.get(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs a probe; null when it worked, else what went wrong. */
    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "no answer in 10 s";
            }
            return p.exitValue() == 0 ? null : "exit code " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
