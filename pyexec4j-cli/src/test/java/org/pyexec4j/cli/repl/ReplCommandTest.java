package org.pyexec4j.cli.repl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pyexec4j.cli.Main;
import org.pyexec4j.cli.Streams;

/** {@code pyexec4j repl} through picocli and JLine, on piped streams (a dumb terminal). */
class ReplCommandTest {
    @Test
    void readsLinesThroughJLineAndKeepsItsHistory(@TempDir Path dir) throws Exception {
        Path history = dir.resolve("history");
        String input = "x = 6\nif x:\n    print(x * 7)\n\nx != 5\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(new String[] {"repl", "--history", history.toString(), "--timeout", "60"},
                new Streams(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, err));
        String shown = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as("stdout %s\nstderr %s", shown, err).isZero();
        assertThat(shown).contains("Python 3.", ">>> ", "... ", "42", "True");
        assertThat(history).exists();
        assertThat(java.nio.file.Files.readString(history)).contains("x != 5");
    }
}
