package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pyexec4j run} as a real process: real stdin pipe, real exit status. */
class RunProcessTest {
    private record Done(int status, String out, String err) {}

    private static Done run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.pyexec4j.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.completeExceptionally(e);
            }
        });
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        t.join();
        return new Done(p.exitValue(), out, err.join());
    }

    @Test
    void aScriptFromAStdinPipeRunsAndItsExitStatusIsTheProcesss() throws Exception {
        Done d = run("import sys\nprint('from a pipe')\nsys.exit(3)\n", "run", "-");
        assertThat(d.status()).as("%s", d).isEqualTo(3);
        assertThat(d.out()).isEqualTo("from a pipe\n");
    }

    @Test
    void aSecondCtrlCLeavesWith130AndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        // the code ignores the first (the interrupt): the second ends the run and the command
        Path script = Files.writeString(tmp.resolve("ignores.py"), "import signal, time\n"
                + "signal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('ignoring', flush=True)\nwhile True:\n"
                + "    time.sleep(0.05)\n");
        Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + javaTmp, "-cp", System.getProperty("java.class.path"), "org.pyexec4j.cli.Main",
                "run", "--grace", "30", script.toString()).redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ignoring");
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        Thread.sleep(500);
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        try (var left = Files.list(javaTmp)) {
            assertThat(left.filter(f -> f.getFileName().toString().startsWith("pyexec4j-")).toList()).isEmpty();
        }
    }

    @Test
    void aUsageErrorIsOneLineAndStatusTwo() throws Exception {
        Done d = run("", "run", "--timeout", "-1", "-");
        assertThat(d.status()).as("%s", d).isEqualTo(2);
        assertThat(d.err().strip()).doesNotContain("\n").contains("--timeout");
    }
}
