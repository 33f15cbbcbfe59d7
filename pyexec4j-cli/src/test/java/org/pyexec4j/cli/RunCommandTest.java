package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pyexec4j run}: output as the script prints it, exit status as python3 and timeout(1) give it. */
class RunCommandTest {
    @TempDir
    Path dir;

    private Path script(String code) throws IOException {
        Path p = Files.createTempFile(dir, "script-", ".py");
        Files.writeString(p, code);
        return p;
    }

    @Test
    void aCompletedScriptPrintsItsOutputOnItsStreamsAndExitsZero() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", script(
                "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nprint('h\u00e9llo \u2713')").toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).isEqualTo("to stdout\nh\u00e9llo \u2713\n");
        assertThat(r.err()).isEqualTo("to stderr\n");
    }

    @Test
    void aRaisingScriptShowsItsTracebackOnStderrAndExitsOne() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", script("def f():\n    raise ValueError('bad value')\nf()").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Traceback (most recent call last):", "ValueError: bad value");
    }

    @Test
    void sysExitGivesItsCode() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", script("import sys\nprint('bye')\nsys.exit(3)").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(3);
        assertThat(r.out()).isEqualTo("bye\n");
        assertThat(r.err()).as("python3 prints nothing for a number").isEmpty();
        assertThat(CliRunner.run("run", script("raise SystemExit(0)").toString()).status()).isZero();
        // and a KeyboardInterrupt the code raises ends as python3's does, with SIGINT's status
        assertThat(CliRunner.run("run", script("raise KeyboardInterrupt").toString()).status()).isEqualTo(130);
    }

    @Test
    void aTimeoutExitsWith124AndSaysSo() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", "--timeout", "1",
                script("import time\nprint('start', flush=True)\nwhile True:\n    time.sleep(0.01)").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(124);
        assertThat(r.out()).isEqualTo("start\n");
        assertThat(r.err()).contains("TimeoutError: Execution exceeded the time limit of a second");
    }

    @Test
    void codeThatIgnoresTheInterruptIsKilledAfterTheGraceAndExitsWith124() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", "--timeout", "0.5", "--grace", "0.5", script(
                "import time\nwhile True:\n    try:\n        time.sleep(0.01)\n    except KeyboardInterrupt:\n        pass")
                .toString());
        assertThat(r.status()).as("%s", r).isEqualTo(124);
        assertThat(r.err()).contains("TimeoutError");
    }

    @Test
    void aDashReadsTheScriptFromStdin() {
        CliRunner.Outcome r = CliRunner.runWithInput("print(sum(range(10)))\n", "run", "-");
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).isEqualTo("45\n");
    }

    @Test
    void aScriptWithAByteOrderMarkRunsAsWithPython3() throws IOException {
        Path bom = dir.resolve("bom.py");
        Files.write(bom, ("\uFEFFprint('after the mark')").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CliRunner.Outcome r = CliRunner.run("run", bom.toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).isEqualTo("after the mark\n");
    }

    @Test
    void jsonPrintsTheWholeResultOnlyAndKeepsTheExitStatus() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", "--json", script("print('hi')\n{}['k']").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        Map<String, Object> result = TestJson.object(r.out().strip());
        assertThat(r.out()).endsWith("}\n").containsOnlyOnce("\n");
        assertThat(result).containsKeys("term_out", "exec_time", "exc_type", "exc_info", "exc_stack", "ending");
        assertThat(result.get("exc_type")).isEqualTo("KeyError");
        assertThat(result.get("ending")).isEqualTo("raised");
        @SuppressWarnings("unchecked")
        List<String> termOut = (List<String>) result.get("term_out");
        assertThat(String.join("", termOut)).startsWith("hi\n").contains("KeyError: 'k'");
        assertThat(termOut.get(termOut.size() - 1)).startsWith("Execution time:");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theScriptRunsInTheGivenWorkdir() throws IOException {
        Path work = Files.createDirectory(dir.resolve("work"));
        CliRunner.Outcome r = CliRunner.run("run", "--workdir", work.toString(),
                script("import os\nopen('made.txt', 'w').write('x')\nprint(os.getcwd())").toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(Path.of(r.out().strip()).toRealPath()).isEqualTo(work.toRealPath());
        assertThat(work.resolve("made.txt")).exists();
    }

    @Test
    void optionsWithUnitsAreAccepted() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", "--output-limit", "1M", "--timeout", "30.5", "--grace", "0",
                "--preload", "json,math", "--keep-workdir",
                script("import math, os\nprint(math.pi > 3)\nopen('kept.txt', 'w').write('x')\nprint(os.getcwd())").toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).startsWith("True\n");
        // the working directory is kept, as asked; the test removes it (and its engine's
        // sessions directory, left with nothing else in it)
        Path kept = Path.of(r.out().split("\n")[1]);
        assertThat(kept.resolve("kept.txt")).exists();
        Files.delete(kept.resolve("kept.txt"));
        Files.delete(kept);
        try (var left = Files.list(kept.getParent())) {
            assertThat(left).isEmpty();
        }
        Files.delete(kept.getParent());
    }

    // ------------------------------------------------------------------ usage errors: one line, status 2

    @Test
    void aMissingFileIsAOneLineUsageError() {
        assertUsageError(CliRunner.run("run", dir.resolve("nope.py").toString()), "no such file");
    }

    @Test
    void aMissingArgumentOrUnknownOptionIsAOneLineUsageError() throws IOException {
        assertUsageError(CliRunner.run("run"), "FILE");
        assertUsageError(CliRunner.run("run", "--frobnicate", script("1").toString()), "--frobnicate");
        assertUsageError(CliRunner.run("nosuchcommand"), "nosuchcommand");
        assertUsageError(CliRunner.run("run", "--timeout", "soon", script("1").toString()), "seconds");
        assertUsageError(CliRunner.run("run", "--timeout", "0", script("1").toString()), "--timeout");
        assertUsageError(CliRunner.run("run", "--output-limit", "12Q", script("1").toString()), "size");
        assertUsageError(CliRunner.run("run", "--output-limit", "100", script("1").toString()), "--output-limit");
        assertUsageError(CliRunner.run("run", "--preload", "not a module", script("1").toString()), "preload");
        assertUsageError(CliRunner.run("run", "--cpu-limit", "0.5", script("1").toString()), "--cpu-limit must be at least 1");
        assertUsageError(CliRunner.run("run", "--memory-limit", "1M", script("1").toString()), "--memory-limit must be at least 64M");
    }

    @Test
    void aMissingWorkdirIsAOneLineUsageError() throws IOException {
        assertUsageError(CliRunner.run("run", "--workdir", dir.resolve("absent").toString(), script("1").toString()),
                "does not exist");
        assertUsageError(CliRunner.run("run", "--workdir", script("1").toString(), script("1").toString()),
                "not a directory");
    }

    @Test
    void anUnwritableWorkdirIsAOneLineUsageError() throws IOException {
        // /proc takes no new files, even for root
        assertUsageError(CliRunner.run("run", "--workdir", "/proc", script("1").toString()), "not writable");
    }

    @Test
    void aMissingPythonIsAOneLineUsageError() throws IOException {
        CliRunner.Outcome r = CliRunner.run("run", "--python", dir.resolve("no-python3").toString(),
                script("1").toString());
        assertUsageError(r, "cannot start Python");
        assertThat(r.err()).contains("--python");
    }

    @Test
    void helpAndVersionWork() {
        for (String cmd : new String[] {"run", "repl", "stdio"}) {
            CliRunner.Outcome help = CliRunner.run(cmd, "--help");
            assertThat(help.status()).isZero();
            assertThat(help.out()).contains("Usage: pyexec4j " + cmd, "--timeout", "--workdir", "--python",
                    "--output-limit", "--grace", "--keep-workdir", "--preload");
        }
        CliRunner.Outcome version = CliRunner.run("--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("pyexec4j ");
        CliRunner.Outcome bare = CliRunner.run();
        assertThat(bare.status()).isEqualTo(2);
        assertThat(bare.err()).contains("Usage: pyexec4j", "run", "repl", "stdio");
    }

    @Test
    void stdioAndReplReportSetupProblemsTheSameWay() {
        assertUsageError(CliRunner.run("stdio", "--workdir", dir.resolve("absent").toString()), "does not exist");
        assertUsageError(CliRunner.run("repl", "--python", dir.resolve("no-python3").toString()),
                "cannot start Python");
    }

    static void assertUsageError(CliRunner.Outcome r, String mentions) {
        assertThat(r.status()).as("%s", r).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).as("one line on stderr").doesNotContain("\n").contains(mentions)
                .doesNotContain("Exception", "\tat ");
    }
}
