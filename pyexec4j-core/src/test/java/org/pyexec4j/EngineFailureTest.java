package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The engine failing is a Java exception that says what, with which input, and what to do. */
class EngineFailureTest {

    @Test
    void aMissingPythonPathIsNamed() {
        assertThatThrownBy(() -> Interpreter.builder().python("/nonexistent/bin/python3").build())
                .isInstanceOf(PyExec4jException.class)
                .hasMessageContaining("/nonexistent/bin/python3")
                .hasMessageContaining("install Python 3.9+");
    }

    @Test
    void aMissingCommandOnPathIsNamed() {
        assertThatThrownBy(() -> Interpreter.builder().python("python3-that-does-not-exist").build())
                .isInstanceOf(PyExec4jException.class)
                .hasMessageContaining("no 'python3-that-does-not-exist' on PATH");
    }

    @Test
    void somethingThatIsNotPythonIsRefused() {
        assertThatThrownBy(() -> Interpreter.builder().python("/bin/false").build())
                .isInstanceOf(PyExec4jException.class)
                .hasMessageContaining("/bin/false")
                .hasMessageContaining("version probe");
    }

    @Test
    void badSettingsNameTheSettingAndTheRule() {
        assertThatThrownBy(() -> Interpreter.builder().timeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> Interpreter.builder().grace(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grace must not be negative");
        assertThatThrownBy(() -> Interpreter.builder().runFileName("../evil.py").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runFileName");
        assertThatThrownBy(() -> Interpreter.builder().workingDirectory(Path.of("/nonexistent/dir")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/nonexistent/dir");
        assertThatThrownBy(() -> Interpreter.builder().outputLimitBytes(10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputLimitBytes");
        assertThatThrownBy(() -> Interpreter.builder().preload("not a module").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preload");
        assertThatThrownBy(() -> RunRequest.of("x").withTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        // limits under what Python itself needs: every run would end with its process
        assertThatThrownBy(() -> Limits.defaults().withMemoryBytes(10L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memoryBytes must be at least 64 MiB");
        assertThatThrownBy(() -> Limits.defaults().withOpenFiles(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openFiles must be at least 32");
        // durations that would overflow the nanoseconds they are counted in
        assertThatThrownBy(() -> RunRequest.of("x").withTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive and at most");
        assertThatThrownBy(() -> Interpreter.builder().timeout(Duration.ofSeconds(Long.MAX_VALUE)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be at most");
        assertThatThrownBy(() -> Interpreter.builder().grace(Duration.ofDays(365L * 300)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grace must be at most");
    }

    @Test
    void aClosedInterpreterSaysSo() {
        Interpreter py = Interpreter.builder().build();
        py.close();
        assertThatThrownBy(() -> py.run("print(1)")).isInstanceOf(PyExec4jException.class).hasMessageContaining("closed");
    }

    @Test
    void ipythonTracebacksNeedIPython() {
        Path without = Pythons.pyenvVersions().stream().filter(p -> !hasIPython(p)).findFirst().orElse(null);
        Assumptions.assumeTrue(without != null, "every Python here has IPython; nothing to refuse");
        assertThatThrownBy(() -> Interpreter.builder().python(without.toString()).ipythonTracebacks(true).build())
                .isInstanceOf(PyExec4jException.class).hasMessageContaining("IPython")
                .hasMessageContaining(without.toString().replace("/bin/python3", ""));
    }

    @Test
    void ipythonTracebacksLookLikeIPythons() {
        Assumptions.assumeTrue(Pythons.debianHas("IPython"), "Debian's python3 has no IPython (apt-get install python3-ipython)");
        try (Interpreter py = Interpreter.builder().python(Pythons.DEBIAN.toString()).ipythonTracebacks(true).build()) {
            ExecutionResult r = py.run("def f():\n    return 1 / 0\nf()");
            assertThat(r.excType()).isEqualTo("ZeroDivisionError");
            assertThat(r.output()).contains("ZeroDivisionError").contains("runfile.py").doesNotContain("worker.py")
                    .doesNotContain("Traceback (most recent call last):\n  File");
            // a deep one starts at its innermost frames, as the standard style's does: IPython
            // walks every frame it is given, seconds for a recursion under a raised limit
            // (before 3.11 each Python call also takes C stack, and such a recursion crashes)
            Assumptions.assumeTrue(Pythons.atLeast(py.python().version(), 3, 11),
                    "Python " + py.python().version() + " recurses on the C stack");
            ExecutionResult deep = py.run("import sys\nsys.setrecursionlimit(200000)\ndef f(): f()\nf()");
            assertThat(deep.excType()).isEqualTo("RecursionError");
            assertThat(deep.output()).containsPattern("^\\[pyexec4j: \\d{5,6} outer frames left out; the innermost 1000 follow]\n")
                    .contains("RecursionError").doesNotContain("worker.py");
            assertThat(deep.excStack()).hasSize(1000);
        }
    }

    private static boolean hasIPython(Path python) {
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import IPython").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return true;
        }
    }
}
