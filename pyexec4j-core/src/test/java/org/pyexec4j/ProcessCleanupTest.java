package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every process and thread the engine starts ends with it, daemons included. The pid checks
 * run at {@link IsolationLevel#LIMITS}, where pids and /tmp are the host's; the sandbox has
 * its own tests at the end.
 */
class ProcessCleanupTest {
    static final String DAEMON = String.join("\n",
            "import os, time",
            "def daemon(path):",
            "    if os.fork() == 0:",
            "        os.setsid()",
            "        if os.fork() == 0:",
            "            with open(path, 'w') as f:",
            "                f.write(str(os.getpid()))",
            "            time.sleep(600)",
            "        os._exit(0)",
            "    time.sleep(0.3)",
            "daemon(%s)",
            "print('started')");

    @TempDir
    Path tmp;

    @Test
    void closeEndsEveryProcessAndThreadDaemonsIncluded() throws Exception {
        Set<Long> before = descendants();
        Path pidFile = tmp.resolve("daemon.pid");
        Path pidFile2 = tmp.resolve("daemon2.pid");
        Interpreter py = Interpreter.builder().isolation(IsolationLevel.LIMITS).build();
        assertThat(py.run(RunRequest.of(DAEMON.formatted("'" + pidFile + "'")).inSession("a")).output())
                .isEqualTo("started\n");
        py.run(RunRequest.of("import subprocess\np = subprocess.Popen(['sleep', '600'])").inSession("b"));
        py.run(DAEMON.formatted("'" + pidFile2 + "'"));
        long daemon = Long.parseLong(Files.readString(pidFile).trim());
        long daemon2 = Long.parseLong(Files.readString(pidFile2).trim());
        assertThat(ProcessHandle.of(daemon)).isPresent();
        py.close();
        py.close(); // idempotent
        awaitGone(daemon);
        awaitGone(daemon2);
        assertThat(descendants()).isSubsetOf(before);
        assertThat(ourThreads()).isEmpty();
    }

    @Test
    void closeWithRunsGoingOnEndsThemAtOnceAndSaysSo() throws Exception {
        // a run stopped at a sync token waited for a frame that never came: each closing
        // worker waited for its output's end, 5 s at a time, and a single run was not closed
        Set<Long> before = descendants();
        Interpreter py = Interpreter.builder().build();
        String code = "import time\nprint('started', flush=True)\ntime.sleep(60)";
        CompletableFuture<ExecutionResult> named = py.runAsync(RunRequest.of(code).inSession("going-on"));
        CompletableFuture<ExecutionResult> single = py.runAsync(RunRequest.of(code));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && descendants().size() < before.size() + 3) {
            Thread.sleep(50); // the zygote and the two workers
        }
        Thread.sleep(500);
        long start = System.nanoTime();
        py.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        for (CompletableFuture<ExecutionResult> f : List.of(named, single)) {
            assertThat(f).isDone();
            assertCutOffByClosing(f.get());
        }
        assertThat(descendants()).isSubsetOf(before);
        assertThat(ourThreads()).isEmpty();
    }

    @Test
    void aRunCutOffByClosingItsSessionSaysSoAsWhenTheInterpreterCloses() throws Exception {
        try (Interpreter py = Interpreter.builder().build()) {
            CompletableFuture<ExecutionResult> run = py.runAsync(RunRequest.of(
                    "import time\nprint('started', flush=True)\ntime.sleep(60)").inSession("cut"));
            Thread.sleep(1500); // the run is in its sleep
            py.closeSession("cut");
            assertCutOffByClosing(run.get(30, TimeUnit.SECONDS));
        }
    }

    /** Whichever way the session was closed: killed, and said why. */
    private static void assertCutOffByClosing(ExecutionResult r) {
        assertThat(r.output()).startsWith("started\n").contains("[pyexec4j: the session was closed while the code ran");
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.exitCode()).isNull();
        assertThat(r.excType()).isEqualTo("WorkerCrashed");
        assertThat(r.excInfo().args()).containsExactly("the session was closed while the code ran");
        assertThat(r.output()).doesNotContain("exited with code", "killed by signal");
    }

    @Test
    void closingASessionEndsItsDaemons() throws Exception {
        Path pidFile = tmp.resolve("session-daemon.pid");
        try (Interpreter py = Interpreter.builder().isolation(IsolationLevel.LIMITS).build()) {
            py.run(RunRequest.of(DAEMON.formatted("'" + pidFile + "'")).inSession("s"));
            long daemon = Long.parseLong(Files.readString(pidFile).trim());
            py.closeSession("s");
            awaitGone(daemon);
        }
    }

    @Test
    void aRunKilledAtItsLimitTakesItsChildrenWithIt() throws Exception {
        Path pidFile = tmp.resolve("killed-daemon.pid");
        try (Interpreter py = Interpreter.builder().isolation(IsolationLevel.LIMITS).grace(Duration.ofMillis(200))
                .build()) {
            ExecutionResult r = py.run(RunRequest.of(DAEMON.formatted("'" + pidFile + "'")
                    + "\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(100)")
                    .inSession("k").withTimeout(Duration.ofSeconds(1)));
            assertThat(r.ending()).isEqualTo(Ending.KILLED_AFTER_GRACE);
            assertThat(r.output()).startsWith("started\n");
            awaitGone(Long.parseLong(Files.readString(pidFile).trim()));
        }
    }

    @Test
    void workersExitWhenTheJvmDies() throws Exception {
        Path pidFile = tmp.resolve("orphan.pid");
        Process host = startOrphanHost(pidFile.toString(), IsolationLevel.LIMITS);
        List<Long> pythons = host.descendants().map(ProcessHandle::pid).collect(Collectors.toList());
        assertThat(pythons).isNotEmpty();
        long daemon = Long.parseLong(Files.readString(pidFile).trim());
        host.destroyForcibly();
        host.waitFor(10, TimeUnit.SECONDS);
        for (long pid : pythons) {
            awaitGone(pid);
        }
        awaitGone(daemon);
    }

    @Test
    void theSandboxEndsWithCloseAndWithTheJvm() throws Exception {
        Set<Long> before = descendants();
        Interpreter py = Interpreter.builder().build();
        Assumptions.assumeTrue(py.isolation().level() == IsolationLevel.SANDBOX,
                "no sandbox on this machine: " + py.isolation().notEnforced());
        py.run(RunRequest.of(DAEMON.formatted("'/tmp/daemon.pid'")).inSession("a"));
        py.run(RunRequest.of("import subprocess\np = subprocess.Popen(['sleep', '600'])").inSession("b"));
        assertThat(descendants()).isNotEqualTo(before);
        py.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!before.containsAll(descendants()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(descendants()).isSubsetOf(before);
        assertThat(ourThreads()).isEmpty();

        Process host = startOrphanHost("/tmp/orphan.pid", IsolationLevel.SANDBOX);
        List<Long> sandboxed = host.descendants().map(ProcessHandle::pid).collect(Collectors.toList());
        assertThat(sandboxed).isNotEmpty();
        long hostPid = host.pid();
        host.destroyForcibly();
        host.waitFor(10, TimeUnit.SECONDS);
        for (long pid : sandboxed) {
            awaitGone(pid);
        }
        // a killed JVM cannot remove its cgroups: the next JVM that starts an Interpreter does
        List<Path> stale = cgroupsOf(hostPid);
        if (!stale.isEmpty()) {
            Process next = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), StartAndClose.class.getName())
                    .redirectErrorStream(true).start();
            next.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(cgroupsOf(hostPid)).as("cgroups of the killed JVM").isEmpty();
        }
    }

    @Test
    void aKilledJvmsDirectoriesAreRemovedByTheNextJvm() throws Exception {
        Set<Path> before = engineDirectories();
        Process host = startOrphanHost(tmp.resolve("dirs-daemon.pid").toString(), IsolationLevel.LIMITS);
        Set<Path> hosts = engineDirectories();
        hosts.removeAll(before);
        assertThat(hosts).as("the host's runtime and sessions directories")
                .anyMatch(p -> p.getFileName().toString().startsWith("pyexec4j-rt-"))
                .anyMatch(p -> p.getFileName().toString().startsWith("pyexec4j-sessions-"));
        for (ProcessHandle p : host.descendants().collect(Collectors.toList())) {
            p.destroyForcibly();
        }
        host.destroyForcibly();
        host.waitFor(10, TimeUnit.SECONDS);
        assertThat(hosts).allMatch(Files::isDirectory); // a killed JVM cannot remove them

        Process next = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartAndClose.class.getName())
                .redirectErrorStream(true).start();
        next.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(hosts).as("removed by the next JVM's Interpreter").noneMatch(Files::exists);
        // a live engine's directories are never taken for a dead one's
        try (Interpreter live = Interpreter.builder().build()) {
            Set<Path> mine = engineDirectories();
            mine.removeAll(before);
            Process another = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), StartAndClose.class.getName())
                    .redirectErrorStream(true).start();
            another.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(another.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(mine).isNotEmpty().allMatch(Files::isDirectory);
            assertThat(live.run("print('still serving')").output()).isEqualTo("still serving\n");
        }
    }

    @Test
    void aJvmEndedBySigtermClosesItsEngines() throws Exception {
        // the hook at exit closes what the code never closed: processes and directories go now,
        // not at the next JVM's first Interpreter
        Set<Path> before = engineDirectories();
        Path pidFile = tmp.resolve("sigterm-daemon.pid");
        Process host = startOrphanHost(pidFile.toString(), IsolationLevel.LIMITS);
        Set<Path> hosts = engineDirectories();
        hosts.removeAll(before);
        assertThat(hosts).isNotEmpty();
        long daemon = Long.parseLong(Files.readString(pidFile).trim());
        host.destroy(); // SIGTERM
        assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
        awaitGone(daemon);
        assertThat(hosts).as("removed at the host's exit").noneMatch(Files::exists);
    }

    /** The engines' directories in the temporary directory (/tmp when its path is long, as the engine does). */
    private static Set<Path> engineDirectories() throws java.io.IOException {
        Set<Path> found = new java.util.HashSet<>();
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (base.toAbsolutePath().toString().length() > 60) {
            base = Path.of("/tmp");
        }
        try (var entries = Files.newDirectoryStream(base, "pyexec4j-*")) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith("pyexec4j-rt-") || name.startsWith("pyexec4j-sessions-")) {
                    found.add(p);
                }
            }
        }
        return found;
    }

    /** The Interpreter cgroups (pids, memory) named after the JVM {@code pid}. */
    private static List<Path> cgroupsOf(long pid) throws java.io.IOException {
        List<Path> found = new java.util.ArrayList<>();
        for (String hierarchy : List.of("/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory")) {
            Path dir = Path.of(hierarchy);
            if (Files.isDirectory(dir)) {
                try (var entries = Files.newDirectoryStream(dir, "pyexec4j-" + pid + "-*")) {
                    entries.forEach(found::add);
                }
            }
        }
        return found;
    }

    /** A JVM that starts an Interpreter and closes it. */
    public static final class StartAndClose {
        public static void main(String[] args) {
            Interpreter.builder().build().close();
        }
    }

    /** A JVM running {@link OrphanHost}, once it said it is ready. */
    private static Process startOrphanHost(String pidFile, IsolationLevel level) throws Exception {
        Process host = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanHost.class.getName(), pidFile, level.name())
                .redirectErrorStream(true).start();
        java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(host.getInputStream()));
        String line;
        do {
            line = lines.readLine();
        } while (line != null && !line.equals("ready"));
        assertThat(line).as("the host JVM said ready").isEqualTo("ready");
        return host;
    }

    static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isEmpty() || !h.get().isAlive() || isZombie(pid)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("process " + pid + " is still alive");
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (Exception e) {
            return true;
        }
    }

    static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    static List<String> ourThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> names;
        do {
            names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("pyexec4j-")).collect(Collectors.toList());
            if (names.isEmpty()) {
                return names;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return names;
    }

    /** A JVM that starts a session with a daemon, says ready, and waits to be killed. */
    public static final class OrphanHost {
        public static void main(String[] args) throws Exception {
            Interpreter py = Interpreter.builder().isolation(IsolationLevel.valueOf(args[1])).build();
            py.run(RunRequest.of(DAEMON.formatted("'" + args[0] + "'")).inSession("orphan"));
            py.runAsync(RunRequest.of("import time\ntime.sleep(600)").inSession("busy"));
            Thread.sleep(500);
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(600_000);
        }
    }
}
