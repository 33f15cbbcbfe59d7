package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A worker that dies gives a result, and its session goes on in a fresh state. */
class WorkerDeathTest {
    static Interpreter py;

    @BeforeAll
    static void start() {
        py = Interpreter.builder().timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        py.close();
    }

    @Test
    void osExitGivesItsCodeAndTheOutputSoFar() {
        py.run(RunRequest.of("state = 1").inSession("d1"));
        ExecutionResult r = py.run(RunRequest.of("import os\nprint('before', flush=True)\nos._exit(7)").inSession("d1"));
        assertThat(r.ending()).isEqualTo(Ending.EXITED);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stateKept()).isFalse();
        assertThat(r.output()).startsWith("before\n").contains("exited with code 7");
        assertThat(r.termOut()).last().asString().startsWith("Execution time: ");
        ExecutionResult next = py.run(RunRequest.of("print('state' in globals())").inSession("d1"));
        assertThat(next.output()).contains("fresh interpreter state").endsWith("False\n");
        assertThat(next.ending()).isEqualTo(Ending.COMPLETED);
        py.closeSession("d1");
    }

    @Test
    void codeThatWritesIntoTheControlConnectionIsToldWhyItsSessionEnded() {
        py.run(RunRequest.of("state = 1").inSession("d-control"));
        // every descriptor the worker holds past 2 (the engine's sit at 900 and up) gets a line that is not a message
        ExecutionResult r = py.run(RunRequest.of("import os\nfor fd in [fd for fd in map(int, os.listdir('/proc/self/fd')) if fd > 2]:\n    try:\n"
                + "        os.write(fd, b'garbage\\n')\n    except OSError:\n        pass\nprint('wrote')").inSession("d-control"));
        assertThat(r.stateKept()).isFalse();
        // the engine ended it: not an exit of the code's, whatever status the process ended with
        assertCrashedBecause(r, "the engine ended the Python process");
        assertThat(r.output()).contains("control connection carried a line that is not a message");
        ExecutionResult next = py.run(RunRequest.of("print('state' in globals())").inSession("d-control"));
        assertThat(next.output()).contains("fresh interpreter state").endsWith("False\n");
        py.closeSession("d-control");
    }

    @Test
    void aControlLineOfMillionsOfValuesIsRefusedNotBuilt() {
        // a worker's frames hold at most 131 072 writes: 3 million one-letter strings (12 MB)
        // written to the control connection break it off before they are made into objects
        ExecutionResult r = py.run(RunRequest.of(String.join("\n",
                "import os, stat",
                "line = b'{\"t\":\"out\",\"g\":[[1,[' + b'\"a\",' * 3_000_000 + b'\"a\"]]]}\\n'",
                "for fd in [fd for fd in map(int, os.listdir('/proc/self/fd')) if fd > 2]:",
                "    try:",
                "        if stat.S_ISSOCK(os.fstat(fd).st_mode) and not os.path.samestat(os.fstat(fd), os.fstat(1)):",
                "            os.write(fd, line)",
                "    except OSError:",
                "        pass")).inSession("d-tokens").withTimeout(Duration.ofSeconds(30)));
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.output()).contains("control connection carried a line that is not a message");
        assertThat(py.run(RunRequest.of("print('serving')").inSession("d-tokens")).output()).endsWith("serving\n");
        py.closeSession("d-tokens");
    }

    @Test
    void silentConnectionsToTheEngineSocketAreRefusedAndClosedAndKeepNoOneOut() throws Exception {
        // code can connect to the socket workers announce themselves on (its path is in the
        // worker's command line): past a few dozen silent ones of its user they are refused at
        // once, the rest closed within seconds; another session's new worker connects meanwhile
        CompletableFuture<ExecutionResult> holder = py.runAsync(RunRequest.of(String.join("\n",
                "import json, socket, time",
                "path = json.loads(open('/proc/self/cmdline').read().split(chr(0))[2])['socket']",
                "socks = []",
                "for i in range(150):",
                "    c = socket.socket(socket.AF_UNIX)",
                "    c.connect(path)",
                "    socks.append(c)",
                "def closed(c):",
                "    c.settimeout(0.5)",
                "    try:",
                "        return c.recv(1) == b''",
                "    except (socket.timeout, OSError) as e:",
                "        return isinstance(e, ConnectionResetError)",
                "time.sleep(1)",
                "print('refused', sum(map(closed, socks)) >= 80)",
                "time.sleep(6)",
                "print('closed later', all(map(closed, socks)))")).inSession("d-socket")
                .withTimeout(Duration.ofSeconds(60)));
        Thread.sleep(1500);
        assertThat(py.run(RunRequest.of("print('fresh')").inSession("d-socket-other")).output()).isEqualTo("fresh\n");
        assertThat(holder.get(60, TimeUnit.SECONDS).output()).isEqualTo("refused True\nclosed later True\n");
        assertThat(py.run(RunRequest.of("print('fresh')").inSession("d-socket-third")).output()).isEqualTo("fresh\n");
        py.closeSession("d-socket");
        py.closeSession("d-socket-other");
        py.closeSession("d-socket-third");
    }

    @Test
    void builtinsTheCodeReplacesAreItsOwn() {
        // the engine's output path called len(): with builtins.len returning 0 every later write
        // of the session was silently lost
        ExecutionResult r = py.run(RunRequest.of("import builtins\nbuiltins.len = lambda x: 0\nprint('set')")
                .inSession("d-builtins"));
        assertThat(r.output()).isEqualTo("set\n");
        assertThat(py.run(RunRequest.of("print('alive', len('abc'))").inSession("d-builtins")).output())
                .isEqualTo("alive 0\n");
        py.closeSession("d-builtins");
        // what the engine's libraries need (json's Python layer calls isinstance) fails the
        // engine: said as its failure, not as the code's exit with status 70
        ExecutionResult broken = py.run(RunRequest.of("import builtins\nbuiltins.isinstance = None")
                .inSession("d-builtins-2"));
        assertCrashedBecause(broken, "the engine failed in the Python process: TypeError");
        assertThat(broken.output()).contains("[pyexec4j: the engine failed in the Python process: TypeError");
        ExecutionResult next = py.run(RunRequest.of("print('again')").inSession("d-builtins-2"));
        assertThat(next.output()).contains("this run starts in a fresh interpreter state").endsWith("again\n");
        py.closeSession("d-builtins-2");
    }

    @Test
    void theCodeHasNoDescriptorOfTheEngineLog() {
        // the zygote's stderr is the engine's log, shared by every session: a worker that kept
        // it let code write into it (and so into other sessions' error messages), or fill the
        // JVM's heap through its reader with a line that never ends
        ExecutionResult r = py.run(RunRequest.of(String.join("\n",
                "import os",
                "for fd in sorted(map(int, os.listdir('/proc/self/fd'))):",
                "    try:",
                "        target = os.readlink(f'/proc/self/fd/{fd}')",
                "    except OSError:",
                "        continue",
                "    if target.startswith('pipe:'):",
                "        print('pipe', fd)",
                "print('listed')")).inSession("d-log"));
        assertThat(r.output()).isEqualTo("listed\n");
        py.closeSession("d-log");
    }

    @Test
    void aWorkerThatCannotOpenItsNextConnectionsGivesAFreshStateAtOnce() {
        // the code leaves the worker no descriptors and a thread running (so the next run needs
        // new output connections): the worker fails opening them. The next run, sent right
        // away, ran into a 30 s limit; it now runs in a fresh state, saying why
        py.run(RunRequest.of(String.join("\n",
                "import resource, threading, time",
                "resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))",
                "threading.Thread(target=time.sleep, args=(3,)).start()")).inSession("d-nofile"));
        long start = System.nanoTime();
        ExecutionResult next = py.run(RunRequest.of("print('alive')").inSession("d-nofile")
                .withTimeout(Duration.ofSeconds(20)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(next.output()).contains("this run starts in a fresh interpreter state", "Too many open files")
                .endsWith("alive\n");
        py.closeSession("d-nofile");
    }

    @Test
    void closingTheLowDescriptorsLeavesTheEngineAlone() {
        // a daemon's clean-up run in the worker itself: the engine's connections sit higher
        py.run(RunRequest.of("import os\nkept = 3\nos.closerange(3, 256)\nprint('closed')").inSession("d-fds"));
        ExecutionResult next = py.run(RunRequest.of("print(kept)").inSession("d-fds"));
        assertThat(next.output()).isEqualTo("3\n");
        py.closeSession("d-fds");
    }

    @Test
    void aSegfaultIsACrashBySignal() {
        ExecutionResult r = py.run("import ctypes\nprint('about to crash', flush=True)\nctypes.string_at(0)");
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.signal()).isEqualTo(11);
        assertThat(r.excType()).isEqualTo("WorkerCrashed");
        assertThat(r.output()).startsWith("about to crash\n").contains("signal 11 (SIGSEGV)");
        assertThat(r.toJson()).contains("\"ending\":\"crashed\",\"exit_code\":null,\"signal\":11,\"state_kept\":false");
    }

    @Test
    void aCrashRightAfterAPrintKeepsWhatWasPrinted() {
        // no flush=True: the print waits in the worker for the engine's first tick, 50 ms
        // into the run, and each of these ends the process long before it
        String[] crashes = {
            "import ctypes\nctypes.string_at(0)",
            "import ctypes\nctypes.c_int.from_address(0).value",
            "import ctypes\nctypes.CDLL(None).abort()",
            "import faulthandler\nfaulthandler._sigsegv()",
            "import signal, threading\nsignal.pthread_kill(threading.main_thread().ident, signal.SIGKILL)",
            "import ctypes, threading\ndef crash():\n    print('from a thread')\n    ctypes.string_at(0)\n"
                + "t = threading.Thread(target=crash)\nt.start()\nt.join()",
        };
        for (String crash : crashes) {
            ExecutionResult r = py.run("import sys\nprint('printed')\nsys.stderr.write('written')\n" + crash);
            assertThat(r.ending()).as(crash).isEqualTo(Ending.CRASHED);
            assertThat(r.output()).as(crash).startsWith("printed\nwritten");
            if (crash.contains("from a thread")) {
                assertThat(r.output()).contains("from a thread\n");
            }
        }
    }

    @Test
    void anAuditHookThatRaisesCostsTheSessionButNeverHangsIt() {
        // the hook fails the engine's own calls after the code: the worker once went back into
        // the zygote's loop and hung until the time limit (an hour by default)
        py.run(RunRequest.of("lost = 1").inSession("d-audit"));
        ExecutionResult r = py.run(RunRequest.of("import sys, time\ntime.sleep(0.05)\ndef h(event, args):\n"
                + "    if event != 'sys.addaudithook':\n        raise RuntimeError('hook ' + event)\n"
                + "sys.addaudithook(h)\nprint('set')").inSession("d-audit").withTimeout(Duration.ofSeconds(60)));
        assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(r.output()).isEqualTo("set\n");
        // the worker ends as it prepares the next run: that run and the ones after are answered
        ExecutionResult next = py.run(RunRequest.of("print('lost' in globals())").inSession("d-audit")
                .withTimeout(Duration.ofSeconds(60)));
        assertThat(next.ending()).isNotIn(Ending.TIMED_OUT, Ending.KILLED_AFTER_GRACE);
        assertSaysTheEngineFailed(next, "RuntimeError: hook ");
        ExecutionResult after = py.run(RunRequest.of("print('lost' in globals())").inSession("d-audit"));
        assertThat(after.output()).endsWith("False\n");
        py.closeSession("d-audit");
    }

    @Test
    void killedBySignalFromInsideKeepsWhatWasPrintedBefore() {
        // printed output waits in the worker for the engine's next tick: it goes out before
        // a signal the code sends, which may end its own process at once
        ExecutionResult r = py.run("import os, signal\nprint('before')\nos.kill(os.getpid(), signal.SIGKILL)");
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.signal()).isEqualTo(9);
        assertThat(r.output()).startsWith("before\n");
        ExecutionResult raised = py.run("import signal\nprint('before')\nsignal.raise_signal(signal.SIGKILL)");
        assertThat(raised.output()).startsWith("before\n");
    }

    @Test
    void killingItsOwnProcessGroupLeavesTheHostServing() {
        ExecutionResult r = py.run("import os, signal\nprint('before')\nos.killpg(0, signal.SIGKILL)");
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.output()).startsWith("before\n");
        assertThat(py.run("print('still here')").output()).isEqualTo("still here\n");
    }

    @Test
    void whatTheEngineNeedsTakenByTheCodeIsSaid() {
        // the engine's own call between runs fails: the next run's result says in what
        py.run(RunRequest.of("import os\nkept = 1\nos.chdir = None").inSession("d-engine"));
        ExecutionResult next = py.run(RunRequest.of("print('kept' in globals())").inSession("d-engine"));
        assertSaysTheEngineFailed(next, "TypeError: 'NoneType' object is not callable");
        assertThat(py.run(RunRequest.of("print('again')").inSession("d-engine")).output()).endsWith("again\n");
    }

    /** The process ended for what {@code why} says (not the code's exit), and the result says so. */
    private static void assertCrashedBecause(ExecutionResult r, String why) {
        assertThat(r.ending()).isEqualTo(Ending.CRASHED);
        assertThat(r.excType()).isEqualTo("WorkerCrashed");
        assertThat(r.excInfo().args()).singleElement().asString().startsWith(why);
        assertThat(r.output()).contains("the session's state was lost");
        assertThat(r.stateKept()).isFalse();
    }

    /**
     * The engine failed as it prepared the next run, and its process ended: the next run says
     * so, and what failed, whether it was sent before the process ended (the run ends with
     * it) or after (it runs in a fresh state).
     */
    private static void assertSaysTheEngineFailed(ExecutionResult next, String failure) {
        if (next.ending() == Ending.CRASHED) {
            // not the code's exit (the status says 70): the engine's failure, and said so
            assertCrashedBecause(next, "the engine failed in the Python process: " + failure);
            assertThat(next.output()).contains("[pyexec4j: the engine failed in the Python process: " + failure);
        } else {
            assertThat(next.output()).startsWith("[pyexec4j: the session's Python process ended after its last run"
                    + " (the engine failed in it: " + failure).contains("this run starts in a fresh interpreter state")
                    .endsWith("False\n");
        }
    }

    @Test
    void aDirectoryTheCodeClosedToItselfIsOpenedAgainAndTheStateKept() {
        // not as root, which permissions do not hold for; the reference's next run failed
        ExecutionResult r = py.run(RunRequest.of("import os\nkept = 1\nos.chmod('.', 0)\nprint(os.access('.', os.X_OK))")
                .inSession("d-closed"));
        Assumptions.assumeTrue(r.output().equals("False\n"), "permissions do not hold for this user: " + r.output());
        ExecutionResult next = py.run(RunRequest.of("import os\nprint(kept, oct(os.stat('.').st_mode & 0o777))")
                .inSession("d-closed"));
        assertThat(next.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(next.output()).isEqualTo("1 0o700\n");
    }

    @Test
    void aDirectoryTheCodeMadeReadOnlyIsWritableAgainForItsFile() {
        // runfile.py could not be written in it from then on, fresh states too (a note each run)
        ExecutionResult r = py.run(RunRequest.of("import os\nkept = 1\nos.chmod('.', 0o500)\nprint(os.access('.', os.W_OK))")
                .inSession("d-readonly"));
        Assumptions.assumeTrue(r.output().equals("False\n"), "permissions do not hold for this user: " + r.output());
        ExecutionResult next = py.run(RunRequest.of("import os\nprint(kept, os.path.exists('runfile.py'))")
                .inSession("d-readonly"));
        assertThat(next.output()).isEqualTo("1 True\n");
        py.closeSession("d-readonly");
    }

    @Test
    void aSysPathTheCodeReplacedLeavesTheEngineWorking() {
        py.run(RunRequest.of("import sys\nkept = 2\nsys.path = None").inSession("d-path"));
        ExecutionResult next = py.run(RunRequest.of("print(kept)").inSession("d-path"));
        assertThat(next.output()).isEqualTo("2\n");
    }

    @Test
    void killingTheParentLeavesTheHostServing() {
        // without the sandbox's users, the worker can kill its parent, the zygote: the
        // engine starts a new one when needed
        try (Interpreter open = Interpreter.builder().isolation(IsolationLevel.LIMITS).build()) {
            ExecutionResult r = open.run("import os\nos.kill(os.getppid(), 9)\nprint('survived')");
            assertThat(r.output()).isEqualTo("survived\n");
            for (int i = 0; i < 5; i++) {
                assertThat(open.run("print(6 * 7)").output()).isEqualTo("42\n");
            }
            assertThat(open.run(RunRequest.of("x = 1").inSession("after-zygote")).ending()).isEqualTo(Ending.COMPLETED);
        }
    }

    @Test
    void inTheSandboxTheParentCannotBeSignalled() {
        Assumptions.assumeTrue(py.isolation().workerUsers(), "workers do not run as users of their own here: "
                + py.isolation().notEnforced());
        ExecutionResult r = py.run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)");
        assertThat(r.excType()).isEqualTo("PermissionError");
        assertThat(py.run("print('still here')").output()).isEqualTo("still here\n");
    }
}
