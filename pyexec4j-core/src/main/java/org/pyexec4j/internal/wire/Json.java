package org.pyexec4j.internal.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one Jackson factory of pyexec4j, and a reader of plain JSON values.
 *
 * <p>Jackson's default limits (20 M characters per string) are below what one write of a
 * program may legitimately hold; the engine bounds output itself, so the parser must not.
 *
 * <p>Numbers go through Jackson's own double writer and parser (Schubfach, FastDoubleParser),
 * not the JDK's: every result has a few doubles, and the JDK's code for them is big enough
 * that the JIT compiler kept compiling and de-optimising it for minutes while sessions ran
 * (a tenth of a core in the harness's 8-session workload).
 */
public final class Json {
    public static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(LineSafeEscapes.INSTANCE)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(1000)
                    .build())
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(1000).build())
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    /**
     * The same, for a parser that reads one worker message (its control connection's lines are
     * parsed one by one): at most a million tokens. A worker's largest message, a frame of
     * 131 072 writes, has far fewer; code writing to its control connection gets no millions
     * of objects made. (Not on FACTORY: a parser reading a stream of messages, as the zygote's
     * replies are read, counts its tokens over all of them.)
     */
    public static final JsonFactory ONE_MESSAGE = FACTORY.rebuild()
            .streamReadConstraints(FACTORY.streamReadConstraints().rebuild().maxTokenCount(1 << 20).build())
            .build();

    private Json() {}

    /**
     * Reads the value at the parser's current token as String, Long, Double, Boolean, null,
     * List or Map (insertion-ordered).
     */
    public static Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new IOException("no JSON value");
        }
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    map.put(name, readValue(p));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected JSON token " + t);
        }
    }
}
