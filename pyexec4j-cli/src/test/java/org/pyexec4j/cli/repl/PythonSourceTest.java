package org.pyexec4j.cli.repl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PythonSourceTest {
    @Test
    void literalsAreAsciiAndEvaluateBackToTheText() throws Exception {
        String text = "a'b\"c\\d\ne\r\tf\u0000\u007f\u00e9\u2713\ud83d\ude00 '''x''' \\n";
        String literal = PythonSource.literal(text);
        assertThat(literal).matches("[\\x20-\\x7e]+");
        assertThat(evalInPython(literal)).isEqualTo(text);
    }

    @Test
    void loneSurrogatesBecomeEscapes() {
        assertThat(PythonSource.literal("\ud800")).isEqualTo("'\\ud800'");
    }

    private static String evalInPython(String literal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", "-c",
                "import sys; sys.stdout.buffer.write(eval(sys.stdin.read()).encode('utf-8'))").start();
        p.getOutputStream().write(literal.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return out;
    }
}
