package org.pyexec4j.internal.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pyexec4j.internal.wire.Json;

/** Packed writes: split at NULs, empty ones left out, and JSON that stays valid whatever the bytes. */
class PackedTextsTest {
    private static final JsonFactory JSON = Json.FACTORY;

    @Test
    void wellFormedBytesGiveTheSameJsonAsTheirTexts() throws IOException {
        PackedTexts packed = PackedTexts.split("a\"\\\n\0\0\u00e9\u2028\0\uD83D\uDE00\0".getBytes(StandardCharsets.UTF_8));
        assertThat(packed).containsExactly("a\"\\\n", "\u00e9\u2028", "\uD83D\uDE00");
        assertThat(packed.utf8Length()).isEqualTo(4 + 5 + 4);
        assertThat(fromBytes(packed)).isEqualTo(fromTexts(packed)).isEqualTo("[\"a\\\"\\\\\\n\",\"\u00e9\\u2028\",\"\uD83D\uDE00\"]");
        // empty writes first, between and last make no strings
        PackedTexts sparse = PackedTexts.split("\0\0x\0\0\0y\0".getBytes(StandardCharsets.UTF_8));
        assertThat(sparse).containsExactly("x", "y");
        assertThat(fromBytes(sparse)).isEqualTo(fromTexts(sparse)).isEqualTo("[\"x\",\"y\"]");
    }

    @Test
    void lineAndParagraphSeparatorsAreEscapedSoNoReaderSplitsTheLine() throws IOException {
        // U+2027 and U+202A share their first two bytes; a separator's bytes cut short stay as they are
        String text = "a\u2028b\u2029c\u2027\u202A";
        PackedTexts packed = PackedTexts.split((text + "\0\u2028\0\u2029").getBytes(StandardCharsets.UTF_8));
        assertThat(packed).containsExactly(text, "\u2028", "\u2029");
        String json = fromBytes(packed);
        assertThat(json).isEqualTo(fromTexts(packed))
                .isEqualTo("[\"a\\u2028b\\u2029c\u2027\u202A\",\"\\u2028\",\"\\u2029\"]")
                .doesNotContain("\u2028", "\u2029");
        PackedTexts cutShort = PackedTexts.split(new byte[] {'x', (byte) 0xE2, (byte) 0x80});
        assertThat(fromBytes(cutShort)).isEqualTo(fromTexts(cutShort));
    }

    @Test
    void everyAsciiByteIsEscapedAsJacksonEscapesIt() throws IOException {
        StringBuilder all = new StringBuilder();
        for (char c = 1; c < 0x80; c++) {
            all.append(c).append('\0').append("x").append(c).append("y\0");
        }
        PackedTexts packed = PackedTexts.split(all.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(packed).hasSize(2 * 127);
        assertThat(fromBytes(packed)).isEqualTo(fromTexts(packed));
    }

    @Test
    void writesLongerThanAPieceAndManyWritesKeepTheirJson() throws IOException {
        // pieces of 64 KiB: a write is cut between them, an escape is not
        String longWrite = "\"\n\u00e9\u0001".repeat(40_000);
        StringBuilder many = new StringBuilder(longWrite).append('\0');
        for (int i = 0; i < 50_000; i++) {
            many.append(i).append(i % 7 == 0 ? "\t\"" : "").append('\0');
        }
        PackedTexts packed = PackedTexts.split(many.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(packed).hasSize(50_001);
        assertThat(packed.get(0)).isEqualTo(longWrite);
        assertThat(fromBytes(packed)).isEqualTo(fromTexts(packed));
    }

    @Test
    void packedSegmentsBetweenPlainTextsAreCommaSeparatedValues() throws IOException {
        PackedTexts first = PackedTexts.split("a\0b".getBytes(StandardCharsets.UTF_8));
        PackedTexts second = PackedTexts.split("c\0\"d\"".getBytes(StandardCharsets.UTF_8));
        SegmentedTexts texts = new SegmentedTexts(List.of(List.of("start"), first, List.of(), second, List.of("end")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("term_out");
            texts.writeJson(g);
            g.writeEndArray();
            g.writeNumberField("after", 1);
            g.writeEndObject();
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"term_out\":[\"start\",\"a\",\"b\",\"c\",\"\\\"d\\\"\",\"end\"],\"after\":1}");
    }

    @Test
    void malformedBytesBecomeReplacementCharactersInTextsAndJson() throws IOException {
        // hostile code can write anything to its own control connection
        byte[] bytes = {'o', 'k', 0, (byte) 0xff, 'x', 0, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        PackedTexts packed = PackedTexts.split(bytes);
        assertThat(packed.get(0)).isEqualTo("ok");
        assertThat(packed.get(1)).isEqualTo("\uFFFDx");
        assertThat(packed.get(2)).doesNotContain("\uD800").contains("\uFFFD");
        String json = fromBytes(packed);
        assertThat(json).isEqualTo(fromTexts(packed));
        // valid UTF-8 throughout: a strict decoder takes it
        String strict = StandardCharsets.UTF_8.newDecoder()
                .decode(java.nio.ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8))).toString();
        assertThat(strict).isEqualTo(json);
    }

    /** Through SegmentedTexts and a UTF-8 generator: the bytes path. */
    private static String fromBytes(PackedTexts packed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            new SegmentedTexts(List.of(packed)).writeJson(g);
            g.writeEndArray();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Text by text through a generator on a Writer. */
    private static String fromTexts(List<String> texts) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (String text : texts) {
                g.writeString(text);
            }
            g.writeEndArray();
        }
        return out.toString();
    }
}
