package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineInputTest {
    private static List<String> read(InputStream in, int max) throws IOException {
        LineInput lines = new LineInput(in, max);
        List<String> out = new ArrayList<>();
        while (true) {
            LineInput.Item item = lines.next();
            if (item instanceof LineInput.End) {
                return out;
            }
            if (item instanceof LineInput.TooLong t) {
                out.add("<too long: " + t.length() + ">");
            } else {
                LineInput.Line l = (LineInput.Line) item;
                out.add(new String(l.bytes(), 0, l.length(), StandardCharsets.UTF_8));
            }
        }
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void splitsAtNewlinesAndKeepsALastLineWithoutOne() throws IOException {
        assertThat(read(bytes("a\n\nbc\r\nd"), 100)).containsExactly("a", "", "bc\r", "d");
        assertThat(read(bytes(""), 100)).isEmpty();
        assertThat(read(bytes("x\n"), 100)).containsExactly("x");
    }

    @Test
    void aLineOverTheLimitIsDroppedAndReportedWithItsLength() throws IOException {
        assertThat(read(bytes("12345\n123456\n1234567890123\nok\n12345678"), 5))
                .containsExactly("12345", "<too long: 6>", "<too long: 13>", "ok", "<too long: 8>");
    }

    @Test
    void aLineOverTheLimitKeepsItsStart() throws IOException {
        String line = "{\"id\": 7, \"code\": \"" + "x".repeat(200_000) + "\"}";
        LineInput lines = new LineInput(bytes(line + "\nnext\n"), 1 << 16);
        LineInput.TooLong tooLong = (LineInput.TooLong) lines.next();
        assertThat(tooLong.length()).isEqualTo(line.length());
        assertThat(new String(tooLong.start(), StandardCharsets.UTF_8)).isEqualTo(line.substring(0, LineInput.START_BYTES));
        assertThat(new RequestParser(1 << 16).idAtStart(tooLong.start()).json()).isEqualTo("7");
        assertThat(((LineInput.Line) lines.next()).length()).isEqualTo(4);
    }

    @Test
    void linesLongerThanTheReadChunkAreWhole() throws IOException {
        String big = "z".repeat(300_000);
        assertThat(read(bytes(big + "\nshort\n" + big), 1 << 20)).containsExactly(big, "short", big);
    }

    @Test
    void slowTrickleIsReassembled() throws IOException {
        byte[] data = "one\ntwo\n".getBytes(StandardCharsets.UTF_8);
        InputStream oneByteAtATime = new InputStream() {
            int i;

            @Override
            public int read() {
                return i < data.length ? data[i++] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) {
                    return -1;
                }
                b[off] = data[i++];
                return 1;
            }
        };
        assertThat(read(oneByteAtATime, 100)).containsExactly("one", "two");
    }
}
