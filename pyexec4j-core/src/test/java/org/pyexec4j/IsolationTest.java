package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default sandbox, for real: what user code cannot reach. Skipped, with the reason, where the machine lacks it. */
class IsolationTest {
    static Interpreter py;

    @BeforeAll
    static void start() {
        py = Interpreter.builder().timeout(Duration.ofSeconds(60)).grace(Duration.ofSeconds(1)).build();
    }

    @AfterAll
    static void stop() {
        py.close();
    }

    static void assumeSandbox() {
        Assumptions.assumeTrue(py.isolation().level() == IsolationLevel.SANDBOX,
                "no sandbox on this machine: " + py.isolation().notEnforced());
    }

    @Test
    void whatIsInForceIsReportedAndInEveryResult() {
        IsolationReport report = py.isolation();
        assertThat(report.requested()).isEqualTo(IsolationLevel.SANDBOX);
        assertThat(report.describe()).startsWith("isolation: ");
        ExecutionResult r = py.run("pass");
        assertThat(r.isolation()).isEqualTo(report.level());
        assertThat(r.toJson()).contains("\"isolation\":\"" + report.level().name().toLowerCase() + "\"");
    }

    @Test
    void aLoopbackListenerOfTheHostIsUnreachable() throws Exception {
        assumeSandbox();
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            ExecutionResult r = py.run("import socket\ns = socket.create_connection(('127.0.0.1', "
                    + listener.getLocalPort() + "), timeout=3)\nprint('connected')");
            assertThat(r.output()).doesNotContain("connected\n");
            assertThat(r.excType()).isIn("ConnectionRefusedError", "OSError", "TimeoutError", "socket.timeout");
        }
    }

    @Test
    void filesOutsideTheWorkingDirectoryAreUnreadableAndTmpIsPrivate(@TempDir Path hostTmp) throws Exception {
        assumeSandbox();
        Path secret = Files.writeString(hostTmp.resolve("secret.txt"), "top secret");
        ExecutionResult read = py.run("print(open('" + secret + "').read())");
        assertThat(read.output()).doesNotContain("top secret");
        assertThat(read.excType()).isIn("FileNotFoundError", "PermissionError");
        // the home of the JVM's user is empty inside, but for the way to a Python kept there (pyenv)
        Path userHome = Path.of(System.getProperty("user.home"));
        ExecutionResult home = py.run("import os\nprint('\\n'.join(os.listdir('" + userHome + "')) if os.path.isdir('"
                + userHome + "') else '')");
        String python = py.python().executable().toString();
        try (var entries = Files.list(userHome)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (!python.startsWith(entry + "/")) {
                    assertThat(home.output().lines()).as("host home entry visible").doesNotContain(entry.getFileName().toString());
                }
            }
        }
        String name = "pyexec4j-private-" + System.nanoTime();
        ExecutionResult write = py.run(RunRequest.of("open('/tmp/" + name + "', 'w').write('x')\nprint('written')")
                .inSession("tmp-a"));
        assertThat(write.output()).isEqualTo("written\n");
        assertThat(Path.of("/tmp", name)).doesNotExist();
        if (py.isolation().workerUsers()) {
            ExecutionResult other = py.run(RunRequest.of("import os\nprint(os.path.exists('/tmp/" + name + "'))")
                    .inSession("tmp-b"));
            assertThat(other.output()).isEqualTo("False\n");
        }
        ExecutionResult system = py.run("open('/usr/pyexec4j-test', 'w')");
        assertThat(system.excType()).isIn("PermissionError", "OSError");
        py.closeSession("tmp-a");
        py.closeSession("tmp-b");
    }

    @Test
    void theHostEnvironmentDoesNotReachUserCode() {
        Assumptions.assumeTrue(System.getenv("PYEXEC4J_TEST_CANARY") != null,
                "the canary variable is set by the surefire configuration; run through Maven");
        ExecutionResult r = py.run("import os\nprint(sorted(os.environ))\nprint(os.environ.get('PYEXEC4J_TEST_CANARY'))");
        assertThat(r.output()).doesNotContain("canary-7f3a9c").contains("PATH").endsWith("None\n");
        try (Interpreter open = Interpreter.builder().isolation(IsolationLevel.NONE).build()) {
            // the canary is there to be found: without isolation it is inherited
            assertThat(open.run("import os\nprint(os.environ.get('PYEXEC4J_TEST_CANARY'))").output())
                    .isEqualTo("canary-7f3a9c\n");
        }
        try (Interpreter added = Interpreter.builder().environment("MY_SETTING", "42").build()) {
            assertThat(added.run("import os\nprint(os.environ['MY_SETTING'], os.environ['HOME'] == os.getcwd())")
                    .output()).isEqualTo("42 True\n");
        }
    }

    @Test
    void signallingTheParentOrTheProcessGroupLeavesTheHostServing() {
        for (String code : Set.of("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
                "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)",
                "import os, signal\nos.killpg(0, signal.SIGKILL)",
                "import os, signal\nos.kill(-1, signal.SIGKILL)")) {
            py.run(code);
            assertThat(py.run("print('serving')").output()).as(code).isEqualTo("serving\n");
        }
    }

    @Test
    void aSharedWorkingDirectoryKeepsTheSystemReadOnlyForARootJvm(@TempDir Path shared) {
        assumeSandbox();
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the JVM does not run as root");
        // the workers stay on uid 0 (no user of their own for a shared directory): they hold no
        // capability, so the read-only system cannot be remounted (it once could)
        try (Interpreter sharing = Interpreter.builder().workingDirectory(shared).build()) {
            ExecutionResult r = sharing.run("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                    + "print([l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapBnd'))])\n"
                    + "print(libc.mount(b'none', b'/', None, 32 | 4096, None))\n"
                    + "open('written.txt', 'w').write('ok')\nprint(open('written.txt').read())");
            assertThat(r.output()).isEqualTo("['0000000000000000', '0000000000000000']\n-1\nok\n");
            assertThat(shared.resolve("written.txt")).hasContent("ok");
            ExecutionResult system = sharing.run("open('/usr/pyexec4j-test', 'w')");
            assertThat(system.excType()).isIn("PermissionError", "OSError");
        }
    }

    @Test
    void multiprocessingHasItsSharedMemoryPrivateToTheSession() {
        assumeSandbox();
        // locks, queues and pools take POSIX semaphores and shared memory from /dev/shm
        ExecutionResult pool = py.run(RunRequest.of("import multiprocessing as mp\nwith mp.Pool(2) as pool:\n"
                + "    print(pool.map(abs, [-1, -2, 3]))\nq = mp.Queue()\nq.put('queued')\nprint(q.get())\n"
                + "from multiprocessing import shared_memory\nshm = shared_memory.SharedMemory(name='px4j_shm', create=True,"
                + " size=16)\nprint(shm.size >= 16)").inSession("shm-a"));
        assertThat(pool.output()).isEqualTo("[1, 2, 3]\nqueued\nTrue\n");
        if (py.isolation().workerUsers()) {
            ExecutionResult other = py.run(RunRequest.of("import os\nprint(os.listdir('/dev/shm'))").inSession("shm-b"));
            assertThat(other.output()).isEqualTo("[]\n");
        }
        py.closeSession("shm-a");
        py.closeSession("shm-b");
    }

    @Test
    void sessionsCannotSeeOrSignalEachOther() {
        Assumptions.assumeTrue(py.isolation().workerUsers(), "workers do not run as users of their own here: "
                + py.isolation().notEnforced());
        String pid = py.run(RunRequest.of("import os\nprint(os.getpid())").inSession("seen")).output().trim();
        ExecutionResult look = py.run(RunRequest.of("import os, signal\nprint(sorted(os.listdir('/proc')))\n"
                + "os.kill(" + pid + ", signal.SIGKILL)").inSession("looking"));
        assertThat(look.output()).doesNotContain("'" + pid + "'");
        assertThat(look.excType()).isIn("PermissionError", "ProcessLookupError");
        assertThat(py.run(RunRequest.of("print('alive')").inSession("seen")).output()).isEqualTo("alive\n");
        py.closeSession("seen");
        py.closeSession("looking");
    }

    @Test
    void freshStatesPreparedAheadBelongToTheirSessionOnly() {
        Assumptions.assumeTrue(py.isolation().workerUsers(), "workers do not run as users of their own here: "
                + py.isolation().notEnforced());
        String who = "import os\nprint(os.getuid(), os.getcwd(), 'x' in globals())\nx = 1";
        // back-to-back fresh states in two sessions: each takes the spare prepared for it, or
        // a new one, never the other's
        String a1 = py.run(RunRequest.of(who).inSession("prep-a").withReset(true)).output();
        String b1 = py.run(RunRequest.of(who).inSession("prep-b").withReset(true)).output();
        for (int i = 0; i < 4; i++) {
            assertThat(py.run(RunRequest.of(who).inSession("prep-a").withReset(true)).output()).isEqualTo(a1);
            assertThat(py.run(RunRequest.of(who).inSession("prep-b").withReset(true)).output()).isEqualTo(b1);
        }
        assertThat(a1).endsWith(" False\n").isNotEqualTo(b1);
        assertThat(a1.split(" ")[0]).isNotEqualTo(b1.split(" ")[0]);
        py.closeSession("prep-a");
        // a closed session's prepared spare is gone with it: the name starts over, fresh
        assertThat(py.run(RunRequest.of(who).inSession("prep-a").withReset(true)).output()).endsWith(" False\n")
                .isNotEqualTo(a1);
        py.closeSession("prep-a");
        py.closeSession("prep-b");
    }

    @Test
    void aBoundedSpawnStormStopsAtTheLimitAndLeavesNothingBehind() {
        Assumptions.assumeTrue(py.isolation().processLimit() != null,
                "no way to limit processes here: " + py.isolation().notEnforced());
        try (Interpreter small = Interpreter.builder().limits(Limits.defaults().withProcesses(32)).build()) {
            ExecutionResult r = small.run(RunRequest.of(String.join("\n",
                    "import os, time",
                    "children = 0",
                    "for i in range(10000):",
                    "    pid = os.fork()",
                    "    if pid == 0:",
                    "        time.sleep(120)",
                    "        os._exit(0)",
                    "    children += 1",
                    "print('never')")).inSession("storm").withTimeout(Duration.ofSeconds(30)));
            assertThat(r.excType()).isEqualTo("BlockingIOError");
            assertThat(r.limitHit()).isEqualTo("processes");
            assertThat(r.output()).contains("[pyexec4j: the limit of 32 processes and threads was reached]");
            ExecutionResult count = small.run(RunRequest.of("print(children)").inSession("storm"));
            assertThat(Integer.parseInt(count.output().trim())).isBetween(1, 32);
            small.closeSession("storm");
            assertThat(small.run("print('after the storm')").output()).isEqualTo("after the storm\n");
        }
    }

    @Test
    void aForkLoopThatSwallowsFailuresIsStillInterruptedAtItsLimit() {
        // most interrupts land in Python's fork hooks, which drop exceptions: they must not be lost
        Assumptions.assumeTrue(py.isolation().processLimit() != null,
                "no way to limit processes here: " + py.isolation().notEnforced());
        try (Interpreter small = Interpreter.builder().limits(Limits.defaults().withProcesses(16))
                .grace(Duration.ofSeconds(3)).build()) {
            ExecutionResult r = small.run(RunRequest.of("import os\nwhile True:\n    try:\n        os.fork()\n"
                    + "    except OSError:\n        pass").withTimeout(Duration.ofSeconds(2)));
            assertThat(r.ending()).isEqualTo(Ending.TIMED_OUT);
            assertThat(r.output()).doesNotContain("worker.py");
            assertThat(small.run("print('next')").output()).isEqualTo("next\n");
        }
    }

    @Test
    void aBigAllocationUnderTheMemoryLimitIsAMemoryError() {
        try (Interpreter small = Interpreter.builder().isolation(IsolationLevel.LIMITS)
                .limits(Limits.defaults().withMemoryBytes(1L << 30)).build()) {
            ExecutionResult r = small.run(RunRequest.of("blob = bytearray(3 * 1024**3)").inSession("m"));
            assertThat(r.excType()).isEqualTo("MemoryError");
            assertThat(r.limitHit()).isEqualTo("memory");
            assertThat(r.termOut().get(r.termOut().size() - 2))
                    .isEqualTo("[pyexec4j: the memory limit of 1 GiB (address space per process) was reached]\n");
            ExecutionResult caught = small.run(RunRequest.of(
                    "try:\n    blob = bytearray(3 * 1024**3)\nexcept MemoryError:\n    print('caught')").inSession("m"));
            assertThat(caught.output()).isEqualTo("caught\n");
        }
    }

    @Test
    void theProcessesOfASessionTogetherStayUnderTheMemoryLimit() {
        try (Interpreter small = Interpreter.builder().limits(Limits.defaults().withMemoryBytes(512L << 20)).build()) {
            Assumptions.assumeTrue("cgroup".equals(small.isolation().memoryLimit()),
                    "memory is limited per process only here: " + small.isolation().notEnforced());
            // three children of 300 MiB each: each is under the limit, together they are not
            ExecutionResult r = small.run(RunRequest.of(String.join("\n",
                    "import subprocess, sys",
                    "hog = 'import time; b = bytearray(300 * 1024**2); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(3)'",
                    "kids = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]",
                    "print(sorted(k.wait() for k in kids))")).inSession("hogs"));
            assertThat(r.output()).contains("-9");
            assertThat(r.limitHit()).isEqualTo("memory");
            assertThat(r.termOut().get(r.termOut().size() - 2)).isEqualTo("[pyexec4j: the memory limit of 512 MiB (all"
                    + " of the session's processes together) was reached; the biggest process was killed]\n");
            assertThat(small.run(RunRequest.of("print('still serving')").inSession("hogs")).output())
                    .isEqualTo("still serving\n");
        }
    }

    @Test
    void numpyImportsUnderTheDefaultLimits() {
        Assumptions.assumeTrue(Pythons.debianHas("numpy"), "Debian's python3 has no numpy (apt-get install python3-numpy)");
        try (Interpreter np = Interpreter.builder().python(Pythons.DEBIAN.toString()).build()) {
            ExecutionResult r = np.run("import numpy as np\nprint(int(np.arange(10).sum()), np.linalg.inv(np.eye(3))[0, 0])");
            assertThat(r.excType()).isNull();
            assertThat(r.output()).isEqualTo("45 1.0\n");
        }
    }

    @Test
    void anExplicitNoneLevelIsReportedAsSuch() {
        try (Interpreter open = Interpreter.builder().isolation(IsolationLevel.NONE).build()) {
            assertThat(open.isolation().level()).isEqualTo(IsolationLevel.NONE);
            assertThat(open.isolation().networkIsolated()).isFalse();
            assertThat(open.run("pass").isolation()).isEqualTo(IsolationLevel.NONE);
        }
    }
}
