package org.pyexec4j.internal.result;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import org.pyexec4j.ChainedException;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.StackFrame;
import org.pyexec4j.StreamRun;
import org.pyexec4j.internal.output.SegmentedTexts;
import org.pyexec4j.internal.wire.Json;

/** Writes an {@link ExecutionResult} in the reference's JSON shape, then our extra fields. */
public final class ResultJson {
    private ResultJson() {}

    public static String write(ExecutionResult r) {
        StringWriter out = new StringWriter(estimate(r));
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            write(g, r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON to memory", e);
        }
        return out.toString();
    }

    /**
     * Writes the JSON as UTF-8 straight to {@code out}, which stays open: a big result is
     * not built in memory first (for 50 MiB of output that saves three copies of it).
     */
    public static void write(ExecutionResult r, OutputStream out) throws IOException {
        try (JsonGenerator g = Json.FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(g, r);
        }
    }

    private static void write(JsonGenerator g, ExecutionResult r) throws IOException {
        {
            g.writeStartObject();
            g.writeArrayFieldStart("term_out");
            if (r.termOut() instanceof SegmentedTexts texts) {
                texts.writeJson(g);
            } else {
                for (String s : r.termOut()) {
                    g.writeString(s);
                }
            }
            g.writeEndArray();
            g.writeNumberField("exec_time", r.execTimeSeconds());
            g.writeStringField("exc_type", r.excType());
            g.writeFieldName("exc_info");
            if (r.excInfo() == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                if (r.excInfo().args() != null) {
                    g.writeArrayFieldStart("args");
                    for (String a : r.excInfo().args()) {
                        g.writeString(a);
                    }
                    g.writeEndArray();
                }
                for (Map.Entry<String, String> e : r.excInfo().attributes().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeFieldName("exc_stack");
            if (r.excStack() == null) {
                g.writeNull();
            } else {
                g.writeStartArray();
                for (StackFrame f : r.excStack()) {
                    g.writeStartArray();
                    g.writeString(f.filename());
                    g.writeNumber(f.lineno());
                    g.writeString(f.name());
                    g.writeString(f.line());
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeStringField("ending", r.ending().jsonName());
            writeNullableInt(g, "exit_code", r.exitCode());
            writeNullableInt(g, "signal", r.signal());
            g.writeBooleanField("state_kept", r.stateKept());
            g.writeObjectFieldStart("resources");
            g.writeNumberField("wall_time", r.resources().wall().toNanos() / 1e9);
            g.writeNumberField("cpu_time", r.resources().cpu().toNanos() / 1e9);
            g.writeNumberField("peak_memory_bytes", r.resources().peakMemoryBytes());
            g.writeEndObject();
            g.writeArrayFieldStart("streams");
            for (StreamRun s : r.streams()) {
                g.writeStartArray();
                g.writeString(s.stream().jsonName());
                g.writeNumber(s.count());
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeNumberField("dropped_bytes", r.droppedBytes());
            g.writeArrayFieldStart("causes");
            for (ChainedException c : r.causes()) {
                g.writeStartObject();
                g.writeStringField("type", c.type());
                g.writeStringField("message", c.message());
                g.writeStringField("relation", c.relation() == ChainedException.Relation.CAUSE ? "cause" : "context");
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName("syntax_error");
            if (r.syntaxError() == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                g.writeStringField("filename", r.syntaxError().filename());
                writeNullableInt(g, "lineno", r.syntaxError().lineno());
                writeNullableInt(g, "offset", r.syntaxError().offset());
                g.writeStringField("text", r.syntaxError().text());
                g.writeEndObject();
            }
            g.writeStringField("limit_hit", r.limitHit());
            g.writeStringField("isolation", r.isolation().name().toLowerCase(java.util.Locale.ROOT));
            g.writeEndObject();
        }
    }

    private static void writeNullableInt(JsonGenerator g, String name, Integer value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }

    private static int estimate(ExecutionResult r) {
        long chars = 512;
        for (String s : r.termOut()) {
            chars += s.length() + 4;
        }
        return (int) Math.min(chars + chars / 8, Integer.MAX_VALUE - 16);
    }
}
