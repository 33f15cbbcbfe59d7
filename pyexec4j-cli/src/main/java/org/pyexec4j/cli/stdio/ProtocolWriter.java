package org.pyexec4j.cli.stdio;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.StdStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the protocol's answer lines: each one whole, under one lock, flushed, UTF-8. Safe to
 * call from any thread. Once the output is gone (the client closed it) lines are dropped and
 * the failure is logged once.
 */
final class ProtocolWriter {
    private static final Logger log = LoggerFactory.getLogger(ProtocolWriter.class);
    private static final byte[] NEWLINE = {'\n'};

    private final OutputStream out;
    private final JsonFactory json;
    private final Object lock = new Object();
    private boolean broken;

    ProtocolWriter(OutputStream out, JsonFactory json) {
        this.out = Objects.requireNonNull(out, "out");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** {@code {"id": .., "ok": true}}. */
    void ok(RequestId id) {
        line(ascii("{\"id\":" + id.json() + ",\"ok\":true}"));
    }

    /** {@code {"id": .., "error": {"code": .., "message": ..}}}. */
    void error(RequestId id, BadRequest.Code code, String message) {
        line(build(g -> {
            g.writeStartObject();
            g.writeFieldName("id");
            g.writeRawValue(id.json());
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code.json());
            g.writeStringField("message", message);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    /** {@code {"id": .., "event": "output", "stream": "stdout", "text": ..}}. */
    void output(RequestId id, StdStream stream, String text) {
        line(build(g -> {
            g.writeStartObject();
            g.writeFieldName("id");
            g.writeRawValue(id.json());
            g.writeStringField("event", "output");
            g.writeStringField("stream", stream.jsonName());
            g.writeStringField("text", text);
            g.writeEndObject();
        }));
    }

    /** {@code {"id": .., "result": <resultJson>}}, the result's JSON written as it is. */
    void result(RequestId id, String resultJson) {
        byte[] head = ascii("{\"id\":" + id.json() + ",\"result\":");
        byte[] body = resultJson.getBytes(StandardCharsets.UTF_8);
        line(head, body, ascii("}"));
    }

    /**
     * The same line, the result's JSON written straight to the output under the lock: for
     * a big result, which is then never held in memory as text.
     */
    void resultStreamed(RequestId id, ExecutionResult result) {
        synchronized (lock) {
            if (broken) {
                return;
            }
            try {
                out.write(ascii("{\"id\":" + id.json() + ",\"result\":"));
                result.writeJson(out);
                out.write('}');
                out.write(NEWLINE);
                out.flush();
            } catch (IOException e) {
                broken = true;
                log.warn("cannot write to stdout any more ({}); dropping the remaining answers", e.toString());
            }
        }
    }

    private void line(byte[]... parts) {
        synchronized (lock) {
            if (broken) {
                return;
            }
            try {
                for (byte[] part : parts) {
                    out.write(part);
                }
                out.write(NEWLINE);
                out.flush();
            } catch (IOException e) {
                broken = true;
                log.warn("cannot write to stdout any more ({}); dropping the remaining answers", e.toString());
            }
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] build(Body body) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(buf)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON to memory", e);
        }
        return buf.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
