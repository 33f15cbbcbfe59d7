package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Output: every byte, tagged, in order, bounded, and never in the wrong run. */
class OutputCaptureTest {
    static Interpreter py;

    @BeforeAll
    static void start() {
        py = Interpreter.builder().timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        py.close();
    }

    @Test
    void pythonWritesAreTaggedAndOrdered() {
        ExecutionResult r = py.run("import sys\nprint('a')\nprint('b', file=sys.stderr)\nprint('c')\nsys.stderr.write('d\\n')");
        assertThat(r.chunks()).containsExactly(
                new OutputChunk(StdStream.STDOUT, "a"), new OutputChunk(StdStream.STDOUT, "\n"),
                new OutputChunk(StdStream.STDERR, "b"), new OutputChunk(StdStream.STDERR, "\n"),
                new OutputChunk(StdStream.STDOUT, "c"), new OutputChunk(StdStream.STDOUT, "\n"),
                new OutputChunk(StdStream.STDERR, "d\n"));
    }

    @Test
    void writesOfEverySizeKeepTheirPlaceAmongRawBytesAndBothStreams() {
        ExecutionResult r = py.run(String.join("\n",
                "import os, sys",
                "print('a')",
                "sys.stdout.write('x' * 70000)",
                "os.write(1, b'RAW\\n')",
                "sys.stderr.write('e' * 65536)",
                "print('b')",
                "sys.stdout.write('\\u00e9' * 70000)",
                "sys.stdout.write('z' * 65535)",
                "sys.stdout.write('\\n' * 100000)",
                "sys.stdout.write('n\\x00' * 40000)"));
        assertThat(r.chunks()).containsExactly(
                new OutputChunk(StdStream.STDOUT, "a"),
                new OutputChunk(StdStream.STDOUT, "\n"),
                new OutputChunk(StdStream.STDOUT, "x".repeat(70000)),
                new OutputChunk(StdStream.STDOUT, "RAW\n"),
                new OutputChunk(StdStream.STDERR, "e".repeat(65536)),
                new OutputChunk(StdStream.STDOUT, "b"),
                new OutputChunk(StdStream.STDOUT, "\n"),
                new OutputChunk(StdStream.STDOUT, "\u00e9".repeat(70000)),
                new OutputChunk(StdStream.STDOUT, "z".repeat(65535)),
                new OutputChunk(StdStream.STDOUT, "\n".repeat(100000)),
                new OutputChunk(StdStream.STDOUT, "n\0".repeat(40000)));
    }

    @Test
    void writesHoldingNulsOrLoneSurrogatesKeepTheirBoundariesAndOrder() {
        // the first 3000 writes go as one packed frame (flushed), the rest as JSON: a NUL
        // cannot separate writes that hold one, UTF-8 cannot carry a lone surrogate
        ExecutionResult r = py.run(String.join("\n",
                "import sys",
                "for i in range(3000):",
                "    sys.stdout.write(str(i))",
                "sys.stdout.flush()",
                "for i in range(3000, 3100):",
                "    sys.stdout.write(str(i))",
                "sys.stdout.write('a\\x00b')",
                "sys.stdout.write('\\ud800')",
                "sys.stdout.write('\\u00e9\\U0001F600')",
                "sys.stderr.write('e')",
                "sys.stdout.write('')",
                "sys.stdout.write('end')"));
        List<String> items = r.termOut().subList(0, r.termOut().size() - 1);
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 3100; i++) {
            numbers.add(Integer.toString(i));
        }
        assertThat(items.subList(0, 3100)).isEqualTo(numbers);
        assertThat(items.subList(3100, items.size()))
                .containsExactly("a\0b", "\uFFFD", "\u00e9\uD83D\uDE00", "e", "end");
        assertThat(r.chunks().get(3103).stream()).isEqualTo(StdStream.STDERR);
    }

    @Test
    void streamsTakingTurnsKeepEveryWriteInOrder() {
        // short runs of one stream go together as JSON, long runs packed: the order holds
        ExecutionResult r = py.run(String.join("\n",
                "import sys",
                "for i in range(3000):",
                "    sys.stdout.write('o%d' % i)",
                "    sys.stderr.write('e%d' % i)",
                "    if i % 1000 == 0:",
                "        for j in range(100):",
                "            sys.stderr.write('r%d' % j)"));
        List<OutputChunk> expected = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            expected.add(new OutputChunk(StdStream.STDOUT, "o" + i));
            expected.add(new OutputChunk(StdStream.STDERR, "e" + i));
            for (int j = 0; i % 1000 == 0 && j < 100; j++) {
                expected.add(new OutputChunk(StdStream.STDERR, "r" + j));
            }
        }
        assertThat(r.chunks()).isEqualTo(expected);
    }

    @Test
    void packedWritesGiveTheSameJsonAsTexts() throws Exception {
        // 300 writes go as packed bytes; the result's JSON from those bytes must equal the
        // JSON written from texts, escapes and all
        ExecutionResult r = py.run(String.join("\n",
                "import sys",
                "for i in range(300):",
                "    sys.stdout.write('q\"uo\\\\te\\t\\x01\\x1f\\u00e9\\u2028\\U0001F600 %d\\n' % i)",
                "sys.stdout.write('')",
                "print('end')"));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        r.writeJson(bytes);
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(r.toJson());
        assertThat(r.termOut()).hasSize(300 + 3);
        assertThat(r.termOut().get(5)).isEqualTo("q\"uo\\te\t\u0001\u001f\u00e9\u2028\uD83D\uDE00 5\n");
        assertThat(r.termOut().subList(300, 302)).containsExactly("end", "\n");
        assertThat(r.chunks()).hasSize(302).allMatch(c -> c.stream() == StdStream.STDOUT);
    }

    @Test
    void aWriteLongerThanAFrameArrivesWhole() {
        // a frame carries at most 16 Mi characters: a longer write is cut into pieces in order
        ExecutionResult r = py.run("import sys\nsys.stdout.write('a' * (17 << 20) + 'b')\nprint('c')");
        assertThat(r.output()).hasSize((17 << 20) + 3).endsWith("abc\n");
        assertThat(r.output().indexOf('b')).isEqualTo(17 << 20);
        assertThat(r.termOut().get(0)).hasSize(16 << 20);
    }

    @Test
    void aWriteFunctionKeptFromAnEarlierRunStillWrites() {
        py.run(RunRequest.of("import sys\nw = sys.stdout.write\nw('one\\n')").inSession("kept-write"));
        ExecutionResult r = py.run(RunRequest.of("w('two\\n')\nn = sys.stdout.write('three\\n')\nprint(n)")
                .inSession("kept-write"));
        // write() returns None, as the reference's does
        assertThat(r.output()).isEqualTo("two\nthree\nNone\n");
        py.closeSession("kept-write");
    }

    @Test
    void writingWhatIsNotAStrLeavesANoteInItsPlace() {
        ExecutionResult r = py.run(String.join("\n",
                "import sys",
                "class S(str):",
                "    def __str__(self):",
                "        return 'not this'",
                "    def __len__(self):",
                "        raise RuntimeError('nor this')",
                "sys.stdout.write(S('this\\n'))",
                "sys.stdout.write(b'bytes')",
                "class Meta(type):",
                "    @property",
                "    def __name__(cls):",
                "        raise RuntimeError('nor this')",
                "class Odd(metaclass=Meta):",
                "    pass",
                "sys.stdout.write(Odd())",
                "sys.stdout.write(('a tuple', 2))",
                "print('after')"));
        assertThat(r.excType()).isNull();
        assertThat(r.termOut()).containsSubsequence("this\n",
                "[pyexec4j: a write to sys.stdout was dropped: write() argument must be str, not bytes]\n",
                "[pyexec4j: a write to sys.stdout was dropped: write() argument must be str, not Odd]\n",
                "[pyexec4j: a write to sys.stdout was dropped: write() argument must be str, not tuple]\n",
                "after");
        assertThat(r.output()).doesNotContain("not this", "nor this");
        assertThat(r.chunks()).contains(new OutputChunk(StdStream.STDERR,
                "[pyexec4j: a write to sys.stdout was dropped: write() argument must be str, not bytes]\n"));
        // many writes, so they are packed: the same, found when they are sent
        ExecutionResult many = py.run("import sys\nfor i in range(1000):\n    sys.stdout.write(str(i) if i != 500 else b'x')");
        assertThat(many.termOut()).hasSize(1001).contains(
                "[pyexec4j: a write to sys.stdout was dropped: write() argument must be str, not bytes]\n");
        assertThat(many.termOut().get(499)).isEqualTo("499");
        assertThat(many.termOut().get(501)).isEqualTo("501");
        // stderr's write takes anything too, as the reference's does: the code goes on (it
        // raised TypeError before), also once the writes are many and each write flushes
        ExecutionResult err = py.run("import sys\nsys.stderr.write(b'bytes')\nsys.stderr.write(None)\n"
                + "class T(str):\n    def __str__(self):\n        return 'not this'\n"
                + "sys.stderr.write(T('sub\\n'))\nprint('after')");
        assertThat(err.excType()).isNull();
        assertThat(err.termOut()).containsSubsequence(
                "[pyexec4j: a write to sys.stderr was dropped: write() argument must be str, not bytes]\n",
                "[pyexec4j: a write to sys.stderr was dropped: write() argument must be str, not NoneType]\n",
                "sub\n", "after", "\n");
        assertThat(err.chunks()).contains(new OutputChunk(StdStream.STDERR, "sub\n"));
        ExecutionResult manyErr = py.run("import sys\nfor i in range(300000):\n    sys.stderr.write(str(i) if i % 100000 else None)\nprint('end')");
        assertThat(manyErr.excType()).isNull();
        assertThat(manyErr.termOut().stream().filter(t -> t.startsWith("[pyexec4j: a write to sys.stderr was dropped"))).hasSize(3);
        assertThat(manyErr.termOut()).contains("99999", "299999", "end");
        ExecutionResult twoArguments = py.run("import sys\nsys.stderr.write('a', 'b')");
        assertThat(twoArguments.excInfo().args()).containsExactly("write() takes 1 positional argument but 2 were given");
    }

    @Test
    void fileDescriptorLevelOutputIsCaptured() {
        ExecutionResult r = py.run(String.join("\n",
                "import os, subprocess, ctypes",
                "print('before')",
                "subprocess.run(['echo', 'from-child'])",
                "os.system('echo from-shell >&2')",
                "os.write(1, b'raw-fd\\n')",
                "libc = ctypes.CDLL(None)",
                "libc.printf(b'from-c\\n')",
                "print('after')"));
        assertThat(r.output()).contains("before\n", "from-child\n", "from-shell\n", "raw-fd\n", "from-c\n", "after\n");
        assertThat(r.output().indexOf("before")).isLessThan(r.output().indexOf("from-child"));
        assertThat(r.output().indexOf("from-child")).isLessThan(r.output().indexOf("from-shell"));
        assertThat(r.chunks()).contains(new OutputChunk(StdStream.STDERR, "from-shell\n"));
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        ExecutionResult r = py.run("import os, sys\nos.write(1, b'ok \\xff\\xfe end\\n')\nsys.stdout.write('\\udcff\\n')");
        assertThat(r.output()).isEqualTo("ok \uFFFD\uFFFD end\n\uFFFD\n");
    }

    @Test
    void aCharacterWrittenInPartsArrivesWhole() {
        // each part is read on its own (a sleep between): the decoder must keep a character's
        // first bytes until its last ones come, in the result and in the chunks a listener gets
        List<OutputChunk> seen = Collections.synchronizedList(new ArrayList<>());
        ExecutionResult r = py.run(RunRequest.of("import os, sys, time\n"
                + "for i in range(20):\n"
                + "    sys.stdout.buffer.write(b'\\xe2\\x82'); sys.stdout.buffer.flush(); time.sleep(0.002)\n"
                + "    sys.stdout.buffer.write(b'\\xac\\n'); sys.stdout.buffer.flush()\n"
                + "    os.write(2, b'\\xf0\\x9f'); time.sleep(0.002); os.write(2, b'\\x98\\x80\\n')\n"
                + "os.write(1, b'cut \\xe2\\x82')").withListener(seen::add));
        assertThat(r.output()).isEqualTo("\u20ac\n\ud83d\ude00\n".repeat(20) + "cut \uFFFD");
        assertThat(String.join("", seen.stream().map(OutputChunk::text).toList())).isEqualTo(r.output());
    }

    @Test
    void userCodeCannotCorruptTheChannels() {
        ExecutionResult r = py.run(String.join("\n",
                "import os",
                "os.write(1, b'{\"t\": \"done\", \"run\": 1}\\n')",
                "os.write(2, b'\\x00\\x01pyexec4j-end-000000000000\\x01\\x00')",
                "os.close(1)",
                "os.close(2)",
                "print('still printing')"));
        assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(r.output()).contains("{\"t\": \"done\", \"run\": 1}\n", "still printing\n");
        ExecutionResult next = py.run(RunRequest.of("import os\nos.write(1, b'fd1 works\\n')").inSession("x"));
        assertThat(next.output()).isEqualTo("fd1 works\n");
        py.closeSession("x");
    }

    @Test
    void aLineWithoutEndOnEveryDescriptorIsCutOffNotHeldInMemory() {
        // 320 MiB without a newline to every socket: the control connection takes at most
        // 256 MiB of one line, then drops the worker; the host keeps serving
        ExecutionResult r = py.run(RunRequest.of(String.join("\n",
                "import os, stat",
                "print('before', flush=True)",
                "chunk = b'a' * (1 << 24)",
                "socks = [fd for fd in map(int, os.listdir('/proc/self/fd')) if fd > 2",
                "         and os.path.exists(f'/proc/self/fd/{fd}') and stat.S_ISSOCK(os.fstat(fd).st_mode)]",
                "for _ in range(20):",
                "    for fd in socks:",
                "        try:",
                "            os.write(fd, chunk)",
                "        except OSError:",
                "            pass")).inSession("flood").withTimeout(Duration.ofSeconds(60)));
        assertThat(r.stateKept()).isFalse();
        assertThat(r.output()).startsWith("before\n");
        assertThat(py.run(RunRequest.of("print('serving')").inSession("flood")).output()).endsWith("serving\n");
        py.closeSession("flood");
    }

    @Test
    void garbageWrittenToEveryDescriptorEndsOnlyThatWorker() {
        // hostile code can find the control connection among its fds: it loses its own worker,
        // and the result still comes, with the output so far
        ExecutionResult r = py.run(RunRequest.of(String.join("\n",
                "import os",
                "print('before', flush=True)",
                "for fd in [fd for fd in map(int, os.listdir('/proc/self/fd')) if fd > 2]:",
                "    try:",
                "        os.write(fd, b'garbage\\n{\"t\": \"done\"}\\n')",
                "    except OSError:",
                "        pass")).inSession("garbage").withTimeout(Duration.ofSeconds(20)));
        assertThat(r.stateKept()).isFalse();
        assertThat(r.output()).startsWith("before\n");
        assertThat(r.resources().wall()).isLessThan(Duration.ofSeconds(15));
        assertThat(py.run(RunRequest.of("print('serving')").inSession("garbage")).output()).endsWith("serving\n");
        py.closeSession("garbage");
    }

    @Test
    void replacedStreamsAreRestoredForTheNextRun() {
        py.run(RunRequest.of("import sys, io\nsys.stdout = io.StringIO()\nsys.stdout.close()").inSession("streams"));
        assertThat(py.run(RunRequest.of("print('visible')").inSession("streams")).output()).isEqualTo("visible\n");
        py.closeSession("streams");
    }

    @Test
    void lateOutputNeverLandsInALaterRun() {
        py.run(RunRequest.of(String.join("\n",
                "import threading, time, os, subprocess",
                "import sys",
                "def late(write=sys.stdout.write):",
                "    time.sleep(0.5)",
                "    print('LATE-THREAD')",
                "    write('LATE-KEPT-WRITE')",
                "    print('LATE-STDERR', file=sys.stderr)",
                "threading.Thread(target=late, daemon=True).start()",
                "subprocess.Popen(['sh', '-c', 'sleep 0.5; echo LATE-CHILD'])")).inSession("late"));
        ExecutionResult r = py.run(RunRequest.of("import time\ntime.sleep(1.5)\nprint('mine')").inSession("late"));
        // the reference would show these in this run's output; they belong to the previous one
        assertThat(r.output()).isEqualTo("mine\n");
        py.closeSession("late");
    }

    @Test
    void aKeptWriteOfTheMainThreadWritesAgainOnceLateThreadsAreGone() {
        // stdout's write is the list's own append: while a thread of an earlier run lives,
        // runs take their writes from a list of their own, so what that thread writes with
        // the append it kept goes nowhere; afterwards, the kept append writes again
        py.run(RunRequest.of(String.join("\n",
                "import sys, threading, time",
                "w = sys.stdout.write",
                "def late():",
                "    for i in range(40):",
                "        w('LATE %d\\n' % i)",
                "        time.sleep(0.01)",
                "t = threading.Thread(target=late)",
                "t.start()")).inSession("kept-late"));
        ExecutionResult during = py.run(RunRequest.of("print('during')\ntime.sleep(0.1)").inSession("kept-late"));
        assertThat(during.output()).isEqualTo("during\n");
        ExecutionResult waits = py.run(RunRequest.of("t.join()\nprint('joined')").inSession("kept-late"));
        assertThat(waits.output()).isEqualTo("joined\n");
        ExecutionResult after = py.run(RunRequest.of("w('kept again\\n')\nprint('after')").inSession("kept-late"));
        assertThat(after.output()).isEqualTo("kept again\nafter\n");
        py.closeSession("kept-late");
    }

    @Test
    void listenerGetsChunksWhileTheCodeRuns() throws Exception {
        List<OutputChunk> seen = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ExecutionResult> f = py.runAsync(RunRequest.of(
                "import time\nprint('first', flush=True)\ntime.sleep(30)\nprint('never')")
                .withTimeout(Duration.ofSeconds(10)).withListener(seen::add));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (seen.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(f).isNotDone();
        assertThat(seen).startsWith(new OutputChunk(StdStream.STDOUT, "first"));
        ExecutionResult r = f.get(30, TimeUnit.SECONDS);
        assertThat(r.chunks()).isEqualTo(seen);
    }

    @Test
    void aListenerGetsTheHeadThenANoteAndAFloodStillEndsAtItsLimit() {
        // a listener slower than the code writes (as one writing to a slow client): past the
        // head nothing more goes to it, so the worker leaves writes out as it does without one,
        // and the run is interrupted at its limit, not killed after the grace
        List<OutputChunk> seen = Collections.synchronizedList(new ArrayList<>());
        try (Interpreter small = Interpreter.builder().outputLimitBytes(1 << 20).grace(Duration.ofSeconds(2)).build()) {
            ExecutionResult r = small.run(RunRequest.of("import sys\nwhile True:\n    sys.stdout.write('x' * 1023 + '\\n')")
                    .withTimeout(Duration.ofSeconds(2)).withListener(c -> {
                        seen.add(c);
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertThat(r.ending()).isEqualTo(Ending.TIMED_OUT);
            assertThat(r.stateKept()).isTrue();
            assertThat(r.droppedBytes()).isPositive();
            List<OutputChunk> output = seen.stream().filter(c -> c.stream() == StdStream.STDOUT).toList();
            assertThat(output).isNotEmpty().allMatch(c -> c.text().equals("x".repeat(1023) + "\n"));
            assertThat(output.size() * 1024L).isLessThanOrEqualTo(1 << 19);
            assertThat(seen).filteredOn(c -> c.text().contains("the rest of it is not streamed, but for the traceback")).hasSize(1);
            assertThat(r.output()).startsWith(String.join("", output.stream().map(OutputChunk::text).toList()));
        }
    }

    @Test
    void closingFromAListenerIsRefusedNotWaitedFor() {
        // it would wait for the listener's own run, which cannot end while the listener is called
        List<Throwable> refused = Collections.synchronizedList(new ArrayList<>());
        ExecutionResult r = py.run(RunRequest.of("print('x')").inSession("closing-listener").withListener(c -> {
            try {
                py.closeSession("closing-listener");
            } catch (IllegalStateException e) {
                refused.add(e);
            }
        }));
        assertThat(r.output()).isEqualTo("x\n");
        assertThat(refused).isNotEmpty().allMatch(e -> e.getMessage().contains("cannot be called from an output listener"));
    }

    @Test
    void aThrowingListenerDoesNotBreakTheRun() {
        ExecutionResult r = py.run(RunRequest.of("print('x')").withListener(c -> {
            throw new IllegalStateException("listener bug");
        }));
        assertThat(r.output()).isEqualTo("x\n");
        // an Error too (a test's failed assertion): the run and the session's next one end
        ExecutionResult failed = py.run(RunRequest.of("y = 1\nprint('y')").inSession("listener-error").withListener(c -> {
            throw new AssertionError("listener assertion (expected in this test)");
        }));
        assertThat(failed.output()).isEqualTo("y\n");
        assertThat(py.run(RunRequest.of("print(y + 1)").inSession("listener-error")).output()).isEqualTo("2\n");
    }

    @Test
    void manyLinesArriveAllInOrder() {
        ExecutionResult r = py.run("for i in range(200000):\n    print(i)");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200000; i++) {
            expected.append(i).append('\n');
        }
        assertThat(r.output()).isEqualTo(expected.toString());
    }

    @Test
    void outputPastTheLimitKeepsHeadAndTailAndSaysHowMuchWasDropped() {
        try (Interpreter small = Interpreter.builder().outputLimitBytes(10_000).build()) {
            ExecutionResult r = small.run("import os\nprint('HEAD')\nfor i in range(100000):\n    print('x' * 9)\n"
                    + "os.write(1, b'fd-level ' * 1000)\nprint('TAIL')");
            long total = 5 + 100000L * 10 + 9000 + 5;
            String note = "\n[pyexec4j: " + r.droppedBytes() + " bytes of output dropped here; the output limit is"
                    + " 10000 bytes]\n";
            String limitLine = "[pyexec4j: the output limit of 10000 bytes or 65536 writes was reached; " + r.droppedBytes()
                    + " bytes were dropped from the middle]\n";
            assertThat(r.limitHit()).isEqualTo("output");
            assertThat(r.output()).endsWith("TAIL\n" + limitLine);
            long kept = r.output().replace(note, "").replace(limitLine, "")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            // whole chunks are kept at the head, so a few bytes under the limit may be kept
            assertThat(kept + r.droppedBytes()).isEqualTo(total);
            assertThat(kept).isBetween(9_900L, 10_000L);
            assertThat(r.output()).startsWith("HEAD\n").contains(note);
            assertThat(r.toJson()).contains("\"dropped_bytes\":" + r.droppedBytes());
        }
    }

    @Test
    void aFloodOfTinyWritesIsCutByTheirNumberToo() {
        // 1 MiB keeps at most 65 536 writes (one per 64 bytes, at least 65 536): 200 000
        // one-character writes are cut to a head and a tail of 32 768 each
        try (Interpreter small = Interpreter.builder().outputLimitBytes(1 << 20).build()) {
            ExecutionResult r = small.run("import sys\nfor i in range(200000):\n    sys.stdout.write('ab'[i % 2])");
            assertThat(r.limitHit()).isEqualTo("output");
            assertThat(r.droppedBytes()).isEqualTo(200000 - 65536);
            List<String> items = r.termOut();
            assertThat(items.subList(0, 32768)).allMatch(t -> t.length() == 1);
            assertThat(items.get(32768)).contains("bytes of output dropped here");
            assertThat(items.get(32769)).isEqualTo("a"); // 200 000 - 32 768 is even
            assertThat(items.get(items.size() - 3)).isEqualTo("b");
        }
    }

    @Test
    void floodsAreInterruptedAtTheirLimitNotKilledAfterTheGrace() {
        // the worker must interrupt at the deadline even while it sends a flood's backlog,
        // and hold the code back to what the host can take: a kept sys.stdout.write is a
        // C-level append nothing else can slow down; writes of 100 kB fill memory fastest
        for (String code : List.of("import sys\nw = sys.stdout.write\nwhile True:\n    w('x')",
                "while True:\n    print('x' * 100000)", "while True:\n    print('x')")) {
            ExecutionResult r = py.run(RunRequest.of(code).withTimeout(Duration.ofSeconds(1)));
            assertThat(r.ending()).as(code).isEqualTo(Ending.TIMED_OUT);
            assertThat(r.excType()).as(code).isEqualTo("TimeoutError");
            assertThat(r.stateKept()).as(code).isTrue();
            assertThat(r.droppedBytes()).as(code).isPositive();
            // the interrupt may land where a writer sending its own backlog lets it through
            assertThat(r.excStack()).as(code).isNotEmpty().allMatch(f -> f.filename().equals("runfile.py"));
            assertThat(r.output()).as(code).doesNotContain("worker.py", "signal.py");
        }
    }

    @Test
    void aFloodThroughAKeptWriteKeepsHeadTailAndCountExact() {
        // 2 million writes through the list's own append: the worker may leave the middle of
        // its last backlog out (as its size); head, tail and the count stay what they would be
        try (Interpreter small = Interpreter.builder().outputLimitBytes(1 << 20).build()) {
            ExecutionResult r = small.run("import sys\nw = sys.stdout.write\nfor i in range(2000000):\n    w('ab'[i % 2])");
            assertThat(r.droppedBytes()).isEqualTo(2000000 - 65536);
            List<String> items = r.termOut();
            assertThat(items.subList(0, 32768)).allMatch(t -> t.length() == 1);
            assertThat(items.get(32768)).contains("bytes of output dropped here");
            assertThat(items.get(32769)).isEqualTo("a");
            assertThat(items.get(items.size() - 3)).isEqualTo("b"); // then the limit's note and the closing line
            assertThat(items).hasSize(65536 + 3);
        }
    }

    @Test
    void floodsFromSeveralThreadsThroughKeptWritesEndAtTheirLimit() {
        // several threads appending through a kept sys.stdout.write take the GIL from the
        // worker's own threads; long writes used to exhaust the worker's memory (its death
        // lost the session), short ones answered seconds late
        // (stderr's write is a function of ours; the main thread writing at the fd level
        // flushes Python-level output before each os.write)
        List<List<String>> floods = List.of(
                List.of("sys.stdout.write", "'t'", "time.sleep(100)"),
                List.of("sys.stdout.write", "'t' * 1000", "time.sleep(100)"),
                List.of("sys.stderr.write", "'t'", "time.sleep(100)"),
                List.of("sys.stdout.write", "'t' * 100", "while True:\n    os.write(1, b'fd' * 100)"));
        for (List<String> flood : floods) {
            String code = String.join("\n",
                    "import os, sys, threading, time",
                    "w = " + flood.get(0),
                    "def flood():",
                    "    while True:",
                    "        w(" + flood.get(1) + ")",
                    "for _ in range(4):",
                    "    threading.Thread(target=flood, daemon=True).start()",
                    flood.get(2));
            String session = "threads-flood-" + floods.indexOf(flood);
            ExecutionResult r = py.run(RunRequest.of(code).inSession(session).withTimeout(Duration.ofSeconds(1)));
            assertThat(r.ending()).as(code).isEqualTo(Ending.TIMED_OUT);
            assertThat(r.stateKept()).as(code).isTrue();
            assertThat(r.droppedBytes()).as(code).isPositive();
            assertThat(r.output().substring(0, 16)).as(code).matches("(t|fd)+");
            assertThat(r.output()).as(code).doesNotContain("worker.py");
            // the threads still write: none of it lands in the next run
            ExecutionResult next = py.run(RunRequest.of("print('serving')").inSession(session));
            assertThat(next.termOut()).as(code).first().isEqualTo("serving");
            py.closeSession(session);
        }
    }

    @Test
    void writesPastTheHeadAreCountedInUtf8BytesWhateverTheirSize() {
        // writes of 1 200 characters, 1 400 UTF-8 bytes, through a kept write: the tail is cut
        // by bytes, the worker leaves the rest out and the count is still exact
        try (Interpreter small = Interpreter.builder().outputLimitBytes(1 << 20).build()) {
            ExecutionResult r = small.run("import sys\nw = sys.stdout.write\nfor i in range(20000):\n    w(('\u00e9%05d' % i) * 200)");
            long total = 20000L * 1400;
            String text = String.join("", r.termOut().subList(0, r.termOut().size() - 1));
            String note = r.termOut().stream().filter(t -> t.contains("bytes of output dropped here")).findFirst().orElseThrow();
            String limitLine = r.termOut().stream().filter(t -> t.contains("the output limit of")).findFirst().orElse("");
            long kept = text.replace(note, "").replace(limitLine, "").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThat(kept + r.droppedBytes()).isEqualTo(total);
            assertThat(text).startsWith("\u00e900000\u00e900000");
            assertThat(text.replace(limitLine, "")).endsWith("\u00e919999\u00e919999");
        }
    }

    @Test
    void writesThatAreNotStrsArePastTheHeadCountedAsTheirNotes() {
        // 200 000 bytes objects through the list's own append: each stands for a note on
        // stderr; past the head the worker counts the notes it leaves out, exactly
        try (Interpreter small = Interpreter.builder().outputLimitBytes(1 << 20).build()) {
            ExecutionResult r = small.run("import sys\nw = sys.stdout.write\nfor i in range(200000):\n    w(b'x')");
            String note = r.termOut().get(0);
            assertThat(note).startsWith("[pyexec4j: a write to sys.stdout was dropped").endsWith("not bytes]\n");
            // the notes kept, the oldest one in the tail cut to the byte limit
            List<String> kept = r.termOut().subList(0, r.termOut().size() - 1).stream()
                    .filter(t -> note.endsWith(t)).toList();
            long total = 200000L * note.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            long keptBytes = kept.stream().mapToLong(t -> t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();
            assertThat(keptBytes + r.droppedBytes()).isEqualTo(total);
            assertThat(kept.size()).isLessThan(200000);
            assertThat(r.termOut().get(r.termOut().size() - 3)).isEqualTo(note);
        }
    }

    @Test
    void writesOfThreadsLeftRunningDoNotPileUpBetweenRuns() throws InterruptedException {
        // the threads write through a kept sys.stdout.write (the list's own append) after
        // their run has ended; what no run takes is dropped, not kept until the next run
        String session = "late-writers";
        py.run(RunRequest.of(String.join("\n",
                "import sys, threading",
                "w = sys.stdout.write",
                "def flood():",
                "    i = 0",
                "    while True:",
                "        w(str(i))",
                "        i += 1",
                "for _ in range(2):",
                "    threading.Thread(target=flood, daemon=True).start()")).inSession(session));
        Thread.sleep(3000);
        ExecutionResult r = py.run(RunRequest.of(
                "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)").inSession(session));
        long peakMiB = Long.parseLong(r.termOut().get(0).trim());
        // ~60 bytes a write, millions a second: kept, they would be a gigabyte or more by now
        assertThat(peakMiB).isLessThan(400);
        py.closeSession(session);
    }

    @Test
    void bigOutputIsKeptWhole() {
        ExecutionResult r = py.run("import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(20):\n    sys.stdout.write(chunk)");
        assertThat(r.output()).hasSize(20 << 20).matches("x+");
    }

    @Test
    void forkedChildrenWriteWithoutCorruptingTheChannel() {
        ExecutionResult r = py.run(String.join("\n",
                "import os",
                "pid = os.fork()",
                "if pid == 0:",
                "    print('child says hi')",
                "    os._exit(0)",
                "os.waitpid(pid, 0)",
                "print('parent done')"));
        assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(r.output()).contains("child says hi\n").endsWith("parent done\n");
    }
}
