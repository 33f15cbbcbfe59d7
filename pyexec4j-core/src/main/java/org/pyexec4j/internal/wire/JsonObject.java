package org.pyexec4j.internal.wire;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Typed access to a parsed JSON object; a field of the wrong type is a protocol error. */
public record JsonObject(Map<String, Object> fields) {

    public boolean has(String name) {
        return fields.get(name) != null;
    }

    public String string(String name) throws IOException {
        return typed(name, String.class);
    }

    public Integer integer(String name) throws IOException {
        Long v = typed(name, Long.class);
        return v == null ? null : Math.toIntExact(v);
    }

    public Long longInteger(String name) throws IOException {
        return typed(name, Long.class);
    }

    public Double number(String name) throws IOException {
        Number v = typed(name, Number.class);
        return v == null ? null : v.doubleValue();
    }

    public boolean flag(String name) throws IOException {
        Boolean v = typed(name, Boolean.class);
        return v != null && v;
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(String name) throws IOException {
        return typed(name, List.class);
    }

    @SuppressWarnings("unchecked")
    public JsonObject object(String name) throws IOException {
        Map<String, Object> m = typed(name, Map.class);
        return m == null ? null : new JsonObject(m);
    }

    private <T> T typed(String name, Class<T> type) throws IOException {
        Object v = fields.get(name);
        if (v == null) {
            return null;
        }
        if (!type.isInstance(v)) {
            throw new IOException("field '" + name + "' should be " + type.getSimpleName() + ", was " + v);
        }
        return type.cast(v);
    }
}
