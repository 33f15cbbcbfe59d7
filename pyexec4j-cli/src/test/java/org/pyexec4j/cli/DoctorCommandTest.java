package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pyexec4j doctor} and the isolation options every command takes. */
class DoctorCommandTest {
    @TempDir
    Path dir;

    @Test
    void doctorSaysWhatIsInForce() {
        CliRunner.Outcome r = CliRunner.run("doctor");
        assertThat(r.status()).as("%s", r).isIn(0, 1);
        assertThat(r.out()).startsWith("python: ").contains("isolation: ", "network: ", "limits: memory=",
                "probe run: completed");
        if (r.status() == 1) {
            assertThat(r.out()).contains("not enforced: ");
        }
    }

    @Test
    void noneIsReportedAsAskedFor() {
        CliRunner.Outcome r = CliRunner.run("doctor", "--isolation", "none");
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).contains("isolation: none (asked for none)", "network: shared with the host");
    }

    @Test
    void aPreloadThatFailsIsReported() {
        CliRunner.Outcome r = CliRunner.run("doctor", "--isolation", "none", "--preload", "json,no_such_module_here");
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).contains("preload: json, no_such_module_here; NOT imported: no_such_module_here");
        CliRunner.Outcome ok = CliRunner.run("doctor", "--isolation", "none", "--preload", "json");
        assertThat(ok.out()).contains("preload: json (imported in every fresh state)");
    }

    @Test
    void aBadLevelIsAOneLineUsageError() {
        CliRunner.Outcome r = CliRunner.run("doctor", "--isolation", "bogus");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("--isolation must be none, limits or sandbox");
    }

    @Test
    void isolationOptionsReachTheCode() throws IOException {
        Path script = Files.writeString(dir.resolve("env.py"),
                "import os\nprint(os.environ.get('GREETING'), os.environ.get('PYEXEC4J_TEST_CANARY'))\n"
                        + "blob = bytearray(2 * 1024**3)\n");
        CliRunner.Outcome r = CliRunner.run("run", "--env", "GREETING=hello", "--memory-limit", "1G", script.toString());
        assertThat(r.out()).isEqualTo("hello None\n");
        assertThat(r.err()).contains("MemoryError", "[pyexec4j: the memory limit of 1 GiB");
        assertThat(r.status()).isEqualTo(1);
    }
}
