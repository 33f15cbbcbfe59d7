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

    private MachineProbe(Path bwrap, String bwrapProblem, boolean root, Path pidsCgroupRoot, String cgroupProblem) {
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
        String cgroupProblem = null;
        if (!Files.isDirectory(cgroup) || !Files.exists(cgroup.resolve("cgroup.procs"))) {
            cgroup = null;
            cgroupProblem = "no cgroup v1 pids hierarchy at /sys/fs/cgroup/pids";
        } else if (!Files.isWritable(cgroup)) {
            cgroup = null;
            cgroupProblem = "/sys/fs/cgroup/pids is not writable by this user";
        }
        return new MachineProbe(bwrap, bwrapProblem, root, cgroup, cgroupProblem);
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
