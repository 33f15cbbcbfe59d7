package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Time limits: the interrupt at the deadline, the kill after the grace, interrupt(). */
class TimeoutTest {
    static Interpreter py;

    @BeforeAll
    static void start() {
        py = Interpreter.builder().timeout(Duration.ofSeconds(30)).grace(Duration.ofSeconds(1)).build();
    }

    @AfterAll
    static void stop() {
        py.close();
    }

    @Test
    void codeOverItsLimitIsInterruptedAndReportedAsTimeoutError() {
        py.run(RunRequest.of("kept = 'yes'").inSession("t1"));
        ExecutionResult r = py.run(RunRequest.of("import time\nprint('start')\nwhile True:\n    time.sleep(0.01)")
                .inSession("t1").withTimeout(Duration.ofMillis(500)));
        assertThat(r.excType()).isEqualTo("TimeoutError");
        assertThat(r.ending()).isEqualTo(Ending.TIMED_OUT);
        assertThat(r.stateKept()).isTrue();
        assertThat(r.termOut()).last().isEqualTo("TimeoutError: Execution exceeded the time limit of a moment");
        assertThat(r.output()).startsWith("start\nTraceback (most recent call last):\n")
                .endsWith("KeyboardInterrupt\n").doesNotContain("worker.py");
        assertThat(r.excStack()).isNotEmpty().allSatisfy(f -> assertThat(f.filename()).isEqualTo("runfile.py"));
        // the interrupt came at the deadline, not on a coarse poll (generous bound: a busy machine)
        assertThat(r.execTimeSeconds()).isBetween(0.5, 5.0);
        assertThat(py.run(RunRequest.of("print(kept)").inSession("t1")).output()).isEqualTo("yes\n");
        py.closeSession("t1");
    }

    @Test
    void codeThatKeepsTheEngineFromTheGilOrItsClockIsStillInterruptedAtItsLimit() {
        // a switch interval of 30 s keeps the worker's engine thread from the GIL (the zygote
        // interrupts from outside a moment past the limit); a replaced time.monotonic is the
        // code's own, not the engine's clock
        try (Interpreter patient = Interpreter.builder().grace(Duration.ofSeconds(20)).build()) {
            for (String starve : new String[] {"import sys\nsys.setswitchinterval(30)",
                                               "import time\ntime.monotonic = lambda: 0.0"}) {
                patient.run(RunRequest.of(starve + "\nkept = 'yes'").inSession("starve"));
                ExecutionResult r = patient.run(RunRequest.of("while True:\n    pass").inSession("starve")
                        .withTimeout(Duration.ofSeconds(1)));
                assertThat(r.ending()).as(starve).isEqualTo(Ending.TIMED_OUT);
                assertThat(r.excType()).isEqualTo("TimeoutError");
                assertThat(r.stateKept()).isTrue();
                assertThat(r.execTimeSeconds()).as(starve).isLessThan(15.0);
                assertThat(patient.run(RunRequest.of("print(kept)").inSession("starve")).output()).isEqualTo("yes\n");
                patient.closeSession("starve");
            }
            // code that stops its own process: resumed and interrupted at its limit, state kept
            patient.run(RunRequest.of("kept = 'still'").inSession("stopped"));
            ExecutionResult stopped = patient.run(RunRequest.of("import os, signal\nprint('stopping')\n"
                    + "os.kill(os.getpid(), signal.SIGSTOP)\nwhile True:\n    pass").inSession("stopped")
                    .withTimeout(Duration.ofSeconds(1)));
            assertThat(stopped.ending()).isEqualTo(Ending.TIMED_OUT);
            assertThat(stopped.output()).startsWith("stopping\n");
            assertThat(patient.run(RunRequest.of("print(kept)").inSession("stopped")).output()).isEqualTo("still\n");
        }
    }

    @Test
    void aRunTheWorkerCannotEvenReadIsKilledAtItsLimitAndHoldsNothingElseUp() throws Exception {
        // a thread of the code keeps the GIL for good (a regex that backtracks, in C): the worker
        // cannot read its next command, a long one stays half sent, and no interrupt lands
        try (Interpreter busy = Interpreter.builder().timeout(Duration.ofSeconds(2)).grace(Duration.ofSeconds(1)).build()) {
            busy.run(RunRequest.of("import threading, re, time\nthreading.Thread(target=lambda: (time.sleep(0.5),"
                    + " re.match(r'(a+)+$', 'a' * 40 + 'b')), daemon=True).start()").inSession("hog"));
            Thread.sleep(1000);
            long start = System.nanoTime();
            CompletableFuture<ExecutionResult> stuck = busy.runAsync(
                    RunRequest.of("print('never')#" + "#".repeat(4 << 20)).inSession("hog"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("runAsync waits for no worker")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(busy.run(RunRequest.of("print('other')").inSession("other")).output()).isEqualTo("other\n");
            ExecutionResult r = stuck.get(60, TimeUnit.SECONDS);
            assertThat(r.ending()).isEqualTo(Ending.KILLED_AFTER_GRACE);
            assertThat(r.output()).doesNotContain("never");
        }
    }

    @Test
    void codeThatIgnoresTheInterruptIsKilledAfterTheGraceWithItsOutput() {
        py.run(RunRequest.of("lost = 1").inSession("t2"));
        ExecutionResult r = py.run(RunRequest.of(String.join("\n",
                "import time, sys",
                "for i in range(3):",
                "    print('line', i)",
                "sys.stdout.flush()",
                "while True:",
                "    try:",
                "        time.sleep(0.01)",
                "    except KeyboardInterrupt:",
                "        print('ignored')")).inSession("t2").withTimeout(Duration.ofSeconds(1)));
        assertThat(r.excType()).isEqualTo("TimeoutError");
        assertThat(r.ending()).isEqualTo(Ending.KILLED_AFTER_GRACE);
        assertThat(r.stateKept()).isFalse();
        assertThat(r.excInfo()).isEqualTo(ExceptionInfo.empty());
        assertThat(r.excStack()).isEmpty();
        assertThat(r.execTimeSeconds()).isEqualTo(1.0);
        assertThat(r.output()).startsWith("line 0\nline 1\nline 2\n").contains("ignored\n").contains("killed");
        assertThat(r.termOut()).last().isEqualTo("TimeoutError: Execution exceeded the time limit of a second");
        ExecutionResult next = py.run(RunRequest.of("print('lost' in globals())").inSession("t2"));
        assertThat(next.output()).contains("fresh interpreter state").endsWith("False\n");
        py.closeSession("t2");
    }

    @Test
    void codeHoldingTheGilIsKilledToo() {
        // a C loop that never checks for signals: only the kill after the grace ends it
        ExecutionResult r = py.run(RunRequest.of("import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')")
                .withTimeout(Duration.ofMillis(500)));
        assertThat(r.ending()).isEqualTo(Ending.KILLED_AFTER_GRACE);
        assertThat(r.excType()).isEqualTo("TimeoutError");
    }

    @Test
    void interruptFromAnotherThreadKeepsTheSession() throws Exception {
        py.run(RunRequest.of("state = 'kept'").inSession("t3"));
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<ExecutionResult> running = py.runAsync(RunRequest.of(
                "import time\nprint('waiting', flush=True)\ntime.sleep(60)").inSession("t3")
                .withListener(c -> seen.add(c.text())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!seen.contains("waiting") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(py.interrupt("t3")).isTrue();
        ExecutionResult r = running.get(20, TimeUnit.SECONDS);
        assertThat(r.excType()).isEqualTo("KeyboardInterrupt");
        assertThat(r.ending()).isEqualTo(Ending.INTERRUPTED);
        assertThat(py.run(RunRequest.of("print(state)").inSession("t3")).output()).isEqualTo("kept\n");
        assertThat(py.interrupt("t3")).isFalse();
        assertThat(py.interrupt("no-such-session")).isFalse();
        py.closeSession("t3");
    }
}
