package org.pyexec4j.internal.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pyexec4j.ChainedException;
import org.pyexec4j.ExceptionInfo;
import org.pyexec4j.StackFrame;
import org.pyexec4j.StdStream;
import org.pyexec4j.SyntaxErrorLocation;

/** Translates between the worker's JSON lines and {@link WorkerMessage} / {@link ZygoteMessage}. */
public final class WireCodec {
    private WireCodec() {}

    /** Reads the next message of a worker's control stream, or {@code null} at its end. */
    public static WorkerMessage readWorker(JsonParser p) throws IOException {
        JsonObject o = next(p);
        if (o == null) {
            return null;
        }
        String kind = o.string("t");
        if (kind == null) {
            throw new IOException("worker message without a type: " + o.fields());
        }
        switch (kind) {
            case "ready":
                return new WorkerMessage.Ready(o.integer("pid"));
            case "out":
                return readOutput(o);
            case "outz": {
                Integer bytes = o.integer("n");
                if (bytes == null || bytes < 0) {
                    throw new IOException("packed writes without a length: " + o.fields());
                }
                return new WorkerMessage.PackedWrites(Integer.valueOf(2).equals(o.integer("s")) ? StdStream.STDERR
                        : StdStream.STDOUT, bytes, Integer.valueOf(1).equals(o.integer("c")));
            }
            case "done":
                return readDone(o);
            case "failed": {
                String error = o.string("error");
                String traceback = o.string("traceback");
                return new WorkerMessage.Failed(error == null ? "(not said)" : error, traceback == null ? "" : traceback);
            }
            case "skip": {
                Long bytes = o.longInteger("bytes");
                if (bytes == null || bytes < 0) {
                    throw new IOException("skipped writes without a size: " + o.fields());
                }
                return new WorkerMessage.Skipped(bytes);
            }
            default:
                throw new IOException("unknown worker message type '" + kind + "'");
        }
    }

    /** Reads the next message of the zygote's stdout, or {@code null} at its end. */
    public static ZygoteMessage readZygote(JsonParser p) throws IOException {
        JsonObject o = next(p);
        if (o == null) {
            return null;
        }
        String kind = o.string("t");
        switch (kind == null ? "" : kind) {
            case "hello":
                return new ZygoteMessage.Hello(o.string("version"), o.integer("pid"), o.string("python"),
                        o.string("executable"), o.flag("ipython"), strings(o.list("preload_failed")));
            case "forked":
                return new ZygoteMessage.Forked(o.string("id"), o.integer("pid"));
            case "exited":
                return new ZygoteMessage.Exited(o.string("id"), o.integer("pid"), o.integer("code"), o.integer("signal"),
                        o.flag("oom"));
            case "error":
                return new ZygoteMessage.Failure(o.string("message"));
            default:
                throw new IOException("unknown zygote message: " + o.fields());
        }
    }

    /** One JSON line (with its newline) from field/value pairs. */
    public static byte[] line(Map<String, ?> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            writeValue(g, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** Convenience for building message maps in order. */
    public static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Writes a plain value (Map, List, String, Number, Boolean, null) as JSON. */
    public static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName((String) e.getKey());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object item : l) {
                writeValue(g, item);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass());
        }
    }

    @SuppressWarnings("unchecked")
    private static JsonObject next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new IOException("expected a JSON object, got " + t);
        }
        return new JsonObject((Map<String, Object>) Json.readValue(p));
    }

    private static WorkerMessage.Output readOutput(JsonObject o) throws IOException {
        return new WorkerMessage.Output(readGroups(o.list("g")));
    }

    @SuppressWarnings("unchecked")
    private static List<WorkerMessage.Output.Group> readGroups(List<Object> raw) {
        List<WorkerMessage.Output.Group> groups = new ArrayList<>();
        if (raw == null) {
            return groups;
        }
        for (Object g : raw) {
            List<Object> pair = (List<Object>) g;
            StdStream stream = ((Long) pair.get(0)) == 2L ? StdStream.STDERR : StdStream.STDOUT;
            groups.add(new WorkerMessage.Output.Group(stream, strings((List<Object>) pair.get(1))));
        }
        return groups;
    }

    @SuppressWarnings("unchecked")
    private static WorkerMessage.Done readDone(JsonObject o) throws IOException {
        ExceptionInfo info = null;
        JsonObject ei = o.object("exc_info");
        if (ei != null) {
            Map<String, String> attrs = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ei.fields().entrySet()) {
                if (!e.getKey().equals("args")) {
                    attrs.put(e.getKey(), String.valueOf(e.getValue()));
                }
            }
            info = new ExceptionInfo(ei.has("args") ? strings(ei.list("args")) : null, attrs);
        }
        List<StackFrame> stack = null;
        if (o.has("exc_stack")) {
            stack = new ArrayList<>();
            for (Object f : o.list("exc_stack")) {
                List<Object> frame = (List<Object>) f;
                Object lineno = frame.get(1);
                stack.add(new StackFrame(String.valueOf(frame.get(0)),
                        lineno == null ? 0 : ((Number) lineno).intValue(),
                        String.valueOf(frame.get(2)), (String) frame.get(3)));
            }
        }
        List<ChainedException> causes = new ArrayList<>();
        if (o.has("causes")) {
            for (Object c : o.list("causes")) {
                JsonObject co = new JsonObject((Map<String, Object>) c);
                causes.add(new ChainedException(co.string("type"), co.string("message"),
                        "cause".equals(co.string("relation")) ? ChainedException.Relation.CAUSE
                                : ChainedException.Relation.CONTEXT));
            }
        }
        SyntaxErrorLocation syntax = null;
        JsonObject se = o.object("syntax_error");
        if (se != null) {
            syntax = new SyntaxErrorLocation(se.string("filename"), se.integer("lineno"), se.integer("offset"),
                    se.string("text"));
        }
        Double cpu = o.number("cpu_time");
        Number peak = (Number) o.fields().get("peak_memory");
        return new WorkerMessage.Done(o.integer("run"), o.string("ending"), o.string("exc_type"), info, stack,
                o.integer("exit_code"), causes, syntax, o.number("exec_time"), cpu == null ? 0 : cpu,
                peak == null ? 0 : peak.longValue(), "same".equals(o.string("next_pair")),
                "read".equals(o.string("raw")), o.flag("oom"), text(o.string("tb")), readGroups(o.list("g")),
                o.flag("after_tb"));
    }

    private static String text(String s) {
        return s == null ? null : LoneSurrogates.replaced(s);
    }

    /** Texts from the worker, with lone surrogates replaced. */
    private static List<String> strings(List<Object> values) {
        List<String> out = new ArrayList<>(values == null ? 0 : values.size());
        if (values != null) {
            for (Object v : values) {
                out.add(LoneSurrogates.replaced(String.valueOf(v)));
            }
        }
        return out;
    }
}
