package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A smoke test on every Python from 3.9 to 3.13 the machine has (pyenv). */
class PythonVersionsTest {

    static Stream<Path> pythons() {
        List<Path> found = Pythons.pyenvVersions();
        Assumptions.assumeFalse(found.isEmpty(), "no pyenv Python 3.9-3.13 on this machine (~/.pyenv/versions)");
        return found.stream();
    }

    @ParameterizedTest
    @MethodSource("pythons")
    void theEngineWorksOn(Path python) {
        try (Interpreter py = Interpreter.builder().python(python.toString()).grace(Duration.ofSeconds(1)).build()) {
            assertThat(py.python().version()).startsWith(python.getParent().getParent().getFileName().toString());
            ExecutionResult hello = py.run("import sys, subprocess\nprint('hello', sys.version_info[:2])\n"
                    + "subprocess.run(['echo', 'child'])");
            assertThat(hello.output()).startsWith("hello (3, ").endsWith("child\n");
            // modules the warm process never imported load from the interpreter's own prefix
            ExecutionResult stdlib = py.run("import decimal, fractions, sqlite3, encodings.idna, email.mime.text\n"
                    + "print(decimal.Decimal('1.5') + 1)");
            assertThat(stdlib.output()).isEqualTo("2.5\n");
            ExecutionResult error = py.run("def f():\n    return {}['missing']\nf()");
            assertThat(error.excType()).isEqualTo("KeyError");
            assertThat(error.output()).startsWith("Traceback (most recent call last):\n  File \"runfile.py\", line 3")
                    .doesNotContain("worker.py");
            assertThat(error.excStack()).extracting(StackFrame::lineno).containsExactly(3, 2);
            assertThat(py.run("x = (").excType()).isEqualTo("SyntaxError");
            py.run(RunRequest.of("n = 5").inSession("s"));
            assertThat(py.run(RunRequest.of("print(n * 2)").inSession("s")).output()).isEqualTo("10\n");
            ExecutionResult slow = py.run(RunRequest.of("import time\nwhile True: time.sleep(0.01)")
                    .withTimeout(Duration.ofMillis(300)));
            assertThat(slow.ending()).isEqualTo(Ending.TIMED_OUT);
        }
    }
}
