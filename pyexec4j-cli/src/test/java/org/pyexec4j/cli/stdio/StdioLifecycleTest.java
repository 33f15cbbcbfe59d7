package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pyexec4j.cli.stdio.StdioProtocolTest.body;
import static org.pyexec4j.cli.stdio.StdioProtocolTest.json;
import static org.pyexec4j.cli.stdio.StdioProtocolTest.result;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The end of stdin: runs received are finished and answered, nothing is left running, exit 0. */
class StdioLifecycleTest {

    @Test
    void endOfInputFinishesWhatWasReceivedThenExitsZeroLeavingNothingRunning() throws Exception {
        try (StdioClient server = new StdioClient()) {
            // warm both sessions up so their Python processes exist, then take a census
            server.send("{\"id\": 1, \"session\": \"a\", \"code\": \"import subprocess\\n"
                    + "child = subprocess.Popen(['sleep', '300'])\\nprint('ok')\"}");
            server.send("{\"id\": 2, \"session\": \"b\", \"code\": \"print('ok')\"}");
            assertThat(body(result(server.answer(1)))).isEqualTo("ok\n");
            assertThat(body(result(server.answer(2)))).isEqualTo("ok\n");
            List<ProcessHandle> below = server.process().descendants().collect(Collectors.toList());
            assertThat(below).as("the Python processes of the server").isNotEmpty();
            assertThat(below.stream().map(p -> p.info().command().orElse("")))
                    .anySatisfy(c -> assertThat(c).contains("sleep"));

            // received before the end of input: each must be answered
            server.send("{\"id\": 3, \"session\": \"a\", \"reset\": false, \"code\": "
                    + json("import time\ntime.sleep(1)\nprint('slow done')") + "}");
            server.send("{\"id\": 4, \"session\": \"a\", \"reset\": false, \"code\": \"print('queued done')\"}");
            server.send("{\"id\": 5, \"session\": \"b\", \"reset\": false, \"stream\": true, \"code\": "
                    + json("import time\ntime.sleep(0.5)\nprint('b done')") + "}");
            server.endInput();

            assertThat(server.waitForExit()).isZero();
            assertThat(body(result(server.answer(3)))).isEqualTo("slow done\n");
            assertThat(body(result(server.answer(4)))).isEqualTo("queued done\n");
            assertThat(body(result(server.answer(5)))).isEqualTo("b done\n");
            assertThat(server.junk()).isEmpty();
            for (ProcessHandle p : below) {
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // reported below
                }
                assertThat(p.isAlive()).as("process %s (%s) still running after the server exited",
                        p.pid(), p.info().commandLine().orElse("?")).isFalse();
            }
        }
    }

    @Test
    void theAnswerPipeIsEnlarged() throws Exception {
        // a pipe holds 64 KiB by default: a big answer then moves in many writes, each waiting
        // for the client to read; the server asks for 1 MiB (or the system's most, if lower)
        try (StdioClient server = new StdioClient("--warm-up", "0")) {
            server.send("{\"id\": 1, \"code\": \"print('ok')\"}");
            assertThat(body(result(server.answer(1)))).isEqualTo("ok\n");
            Path python = org.pyexec4j.internal.worker.PythonLocator.resolve("python3").executable();
            Process probe = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                    "import fcntl, os",
                    "fd = os.open('/proc/" + server.process().pid() + "/fd/1', os.O_WRONLY)",
                    "most = int(open('/proc/sys/fs/pipe-max-size').read())",
                    "print(fcntl.fcntl(fd, 1032) >= min(1 << 20, most))")).redirectErrorStream(true).start();
            String said = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(probe.waitFor()).as(said).isZero();
            assertThat(said).isEqualTo("True\n");
            server.endInput();
            assertThat(server.waitForExit()).isZero();
        }
    }

    @Test
    void warmUpAnswersNothingOnStdoutAndLeavesNoSessionOrProcessBehind() throws Exception {
        try (StdioClient server = new StdioClient("--warm-up", "2")) {
            server.send("{\"id\": 1, \"session\": \"pyexec4j-warm-up-1\", \"reset\": false, \"code\": "
                    + json("print(globals().get('i', 'fresh'))") + "}");
            assertThat(body(result(server.answer(1)))).as("the warm-up session is closed: a new one is fresh")
                    .isEqualTo("fresh\n");
            List<ProcessHandle> below = server.process().descendants().collect(Collectors.toList());
            server.endInput();
            assertThat(server.waitForExit()).isZero();
            assertThat(server.allLines()).as("only the answer to our request").hasSize(1);
            assertThat(server.junk()).isEmpty();
            for (ProcessHandle p : below) {
                p.onExit().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void keptWorkingDirectoriesAreLoggedAndTheWarmUpLeavesNone() throws Exception {
        try (StdioClient server = new StdioClient("--keep-workdir", "--warm-up", "5")) {
            server.send("{\"id\": 1, \"session\": \"kept\", \"code\": "
                    + json("import os\nopen('left.txt', 'w').write('x')\nprint(os.getcwd())") + "}");
            Path dir = Path.of(body(result(server.answer(1))).strip());
            server.endInput();
            assertThat(server.waitForExit()).isZero();
            assertThat(dir.resolve("left.txt")).as("kept after the session ended").exists();
            assertThat(server.stderrTail()).contains("session 'kept' works in " + dir)
                    .contains("no warm-up with --keep-workdir");
            try (Stream<Path> siblings = Files.list(dir.getParent())) {
                assertThat(siblings).as("the only session's directory, none of a warm-up's").containsExactly(dir);
            }
            try (Stream<Path> all = Files.walk(dir.getParent())) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void endOfInputWithNothingReceivedExitsZero() throws Exception {
        try (StdioClient server = new StdioClient()) {
            server.endInput();
            assertThat(server.waitForExit()).isZero();
            assertThat(server.allLines()).isEmpty();
        }
    }
}
