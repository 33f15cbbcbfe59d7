package org.pyexec4j.differential;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step's result as the differential test compares it: the reference's five fields,
 * normalised for what legitimately differs between two runs.
 *
 * <ul>
 *   <li>{@code output}: {@code term_out} joined, without its closing line;
 *   <li>{@code closing}: the closing line, the humanized duration in
 *       {@code Execution time: X seconds} replaced by {@value #DURATION} (the
 *       {@code (time limit is ...)} part and a {@code TimeoutError} line stay exact);
 *   <li>{@code excType}, {@code excInfo}, {@code excStack}: as in the JSON;
 *   <li>{@code error}: the reference raised instead of returning a result (its child died).
 * </ul>
 *
 * In every string, the run's working directory becomes {@value #WORKDIR} and memory
 * addresses ({@code 0x7f3a...}) become {@value #ADDRESS}.
 */
record Observation(String output, String closing, String excType, Object excInfo, Object excStack, String error) {
    static final String WORKDIR = "<WORKDIR>";
    static final String DURATION = "<DURATION>";
    static final String ADDRESS = "0x<ADDRESS>";

    private static final Pattern EXECUTION_TIME =
            Pattern.compile("Execution time: (.*) seconds \\(time limit is (.*)\\)\\.");
    private static final Pattern HEX_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{6,16}\\b");

    /** The reference's {@code to_json()} of a step (or {@code {"error": ...}}), its engine frames removed. */
    static Observation fromReference(Map<String, Object> json, String workdir, String engineFile) {
        if (json.containsKey("error")) {
            return new Observation(null, null, null, null, null, String.valueOf(json.get("error")));
        }
        Object stack = json.get("exc_stack");
        if (stack instanceof List<?> frames) {
            // The reference's own frame (its exec() call) is a listed bug that pyexec4j fixes:
            // drop the frames whose file is the reference's interpreter.py.
            List<Object> user = new ArrayList<>();
            for (Object frame : frames) {
                if (!(frame instanceof List<?> f && !f.isEmpty() && engineFile.equals(f.get(0)))) {
                    user.add(frame);
                }
            }
            stack = user;
        }
        return of(json, stack, workdir);
    }

    /** pyexec4j's {@code ExecutionResult.toJson()} of a step. */
    static Observation fromOurs(Map<String, Object> json, String workdir) {
        return of(json, json.get("exc_stack"), workdir);
    }

    @SuppressWarnings("unchecked")
    private static Observation of(Map<String, Object> json, Object stack, String workdir) {
        List<String> termOut = (List<String>) json.get("term_out");
        if (termOut == null || termOut.isEmpty()) {
            throw new IllegalArgumentException("term_out is missing or empty (no closing line): " + json);
        }
        String output = String.join("", termOut.subList(0, termOut.size() - 1));
        return new Observation(
                normalise(output, workdir),
                closingLine(termOut.get(termOut.size() - 1)),
                (String) json.get("exc_type"),
                normaliseValue(json.get("exc_info"), workdir),
                normaliseValue(stack, workdir),
                null);
    }

    static String closingLine(String line) {
        Matcher m = EXECUTION_TIME.matcher(line);
        return m.matches() ? "Execution time: " + DURATION + " seconds (time limit is " + m.group(2) + ")." : line;
    }

    static String normalise(String s, String workdir) {
        if (s == null) {
            return null;
        }
        String out = workdir == null || workdir.isEmpty() ? s : s.replace(workdir, WORKDIR);
        return HEX_ADDRESS.matcher(out).replaceAll(ADDRESS);
    }

    private static Object normaliseValue(Object value, String workdir) {
        if (value instanceof String s) {
            return normalise(s, workdir);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) {
                out.add(normaliseValue(item, workdir));
            }
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(String.valueOf(e.getKey()), normaliseValue(e.getValue(), workdir));
            }
            return out;
        }
        return value;
    }

    Observation withOutput(String output) {
        return new Observation(output, closing, excType, excInfo, excStack, error);
    }

    Observation withClosing(String closing) {
        return new Observation(output, closing, excType, excInfo, excStack, error);
    }

    Observation withExcType(String excType) {
        return new Observation(output, closing, excType, excInfo, excStack, error);
    }

    Observation withExcInfo(Object excInfo) {
        return new Observation(output, closing, excType, excInfo, excStack, error);
    }

    Observation withExcStack(Object excStack) {
        return new Observation(output, closing, excType, excInfo, excStack, error);
    }

    /** Returns the JSON text of exc_info or exc_stack, for messages. */
    static String json(Object value) {
        return JsonValues.write(value);
    }
}
