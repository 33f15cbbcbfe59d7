package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scripts in examples/ do what the README says they do. */
class ExamplesTest {
    private static Path example(String name) {
        Path p = Path.of("..", "examples", name).toAbsolutePath().normalize();
        assertThat(p).as("example %s", name).exists();
        return p;
    }

    @Test
    void trainStreamsItsProgressAndCompletes() {
        CliRunner.Outcome r = CliRunner.run("run", example("train.py").toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).startsWith("training on 200 points for 25 epochs\nepoch  1  loss ")
                .contains("epoch 25  loss ")
                .endsWith("learned w=2.50 b=-1.00 (true: w=2.5 b=-1.0)\n");
        assertThat(r.out().lines().filter(l -> l.startsWith("epoch")).count()).isEqualTo(25);
        // streamed as it came (one write per flushed print), not in one piece at the end
        assertThat(r.outWrites()).isGreaterThanOrEqualTo(20);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void raisesFailsWithAKeyErrorDeepDown() {
        CliRunner.Outcome r = CliRunner.run("run", example("raises.py").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).isEqualTo("A-1001: 10.10\nA-1002: 6.20\n");
        assertThat(r.err()).contains("Traceback (most recent call last):", "in line_total", "KeyError: 'price'");

        CliRunner.Outcome json = CliRunner.run("run", "--json", example("raises.py").toString());
        assertThat(json.status()).isEqualTo(1);
        Map<String, Object> result = TestJson.object(json.out());
        assertThat(result.get("exc_type")).isEqualTo("KeyError");
        assertThat(String.valueOf(result.get("exc_info"))).contains("price");
        assertThat(String.valueOf(result.get("exc_stack"))).contains("line_total");
    }

    @Test
    void tooSlowOutrunsItsLimit() {
        CliRunner.Outcome r = CliRunner.run("run", "--timeout", "2", example("too_slow.py").toString());
        assertThat(r.status()).as("%s", r).isEqualTo(124);
        assertThat(r.out()).contains(" steps, position ");
        assertThat(r.err()).contains("TimeoutError: Execution exceeded the time limit of 2 seconds");
    }

    @Test
    void everyExampleIsUsedByThisTest() throws Exception {
        try (var files = Files.list(example("train.py").getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".py")))
                    .containsExactlyInAnyOrder("train.py", "raises.py", "too_slow.py");
        }
    }
}
