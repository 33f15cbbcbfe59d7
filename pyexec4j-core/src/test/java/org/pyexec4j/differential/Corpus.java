package org.pyexec4j.differential;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The differential corpus ({@code differential/corpus.txt}; its header explains the format):
 * cases of one or more steps, each case one session.
 */
final class Corpus {
    static final String RESOURCE = "/differential/corpus.txt";
    static final double DEFAULT_TIMEOUT_SECONDS = 3600;

    private static final Pattern CASE = Pattern.compile("=== ([A-Za-z0-9_-]+)");
    private static final Pattern STEP = Pattern.compile("--- step((?: +(?:reset=(?:true|false)|timeout=[0-9.]+))*) *");

    /** One run: its code, whether it starts a fresh state, its time limit. */
    record Step(String code, boolean reset, double timeoutSeconds) {}

    /** One session: a name, what it is about, its runs in order. */
    record Case(String name, String description, List<Step> steps) {
        Case {
            steps = List.copyOf(steps);
        }
    }

    private Corpus() {}

    static List<Case> load() throws IOException {
        try (InputStream in = Corpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("classpath resource " + RESOURCE + " not found");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static List<Case> parse(String text) {
        List<Case> cases = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        String[] lines = text.split("\n", -1);
        String name = null;
        StringBuilder description = new StringBuilder();
        List<Step> steps = new ArrayList<>();
        List<String> code = null;
        boolean reset = false;
        double timeout = DEFAULT_TIMEOUT_SECONDS;
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : null;
            if (line != null && line.startsWith("##")) {
                continue; // a comment of the corpus, never code
            }
            boolean caseLine = line != null && line.startsWith("===");
            boolean stepLine = line != null && line.startsWith("---");
            if (line == null || caseLine || stepLine) {
                if (code != null) {
                    steps.add(new Step(codeOf(code), reset, timeout));
                    code = null;
                }
            }
            if (line == null || caseLine) {
                if (name != null) {
                    if (steps.isEmpty()) {
                        throw error(i, "case '" + name + "' has no step");
                    }
                    cases.add(new Case(name, description.toString().strip(), steps));
                }
                if (line == null) {
                    break;
                }
                Matcher m = CASE.matcher(line);
                if (!m.matches()) {
                    throw error(i, "expected '=== NAME' (letters, digits, '-', '_'), got: " + line);
                }
                name = m.group(1);
                if (!names.add(name)) {
                    throw error(i, "case '" + name + "' appears twice");
                }
                description.setLength(0);
                steps = new ArrayList<>();
            } else if (stepLine) {
                Matcher m = STEP.matcher(line);
                if (name == null || !m.matches()) {
                    throw error(i, "expected '--- step [reset=true|false] [timeout=SECONDS]' inside a case, got: "
                            + line);
                }
                reset = steps.isEmpty();
                timeout = DEFAULT_TIMEOUT_SECONDS;
                for (String option : m.group(1).trim().split(" +")) {
                    if (option.startsWith("reset=")) {
                        reset = Boolean.parseBoolean(option.substring("reset=".length()));
                    } else if (option.startsWith("timeout=")) {
                        timeout = Double.parseDouble(option.substring("timeout=".length()));
                    }
                }
                if (steps.isEmpty() && !reset) {
                    throw error(i, "the first step of case '" + name + "' must start a fresh state"
                            + " (the reference cannot continue a session it never started)");
                }
                code = new ArrayList<>();
            } else if (code != null) {
                code.add(line);
            } else if (name != null && !line.isBlank()) {
                if (!line.startsWith("#")) {
                    throw error(i, "only '#' description lines may come before the first step of case '"
                            + name + "', got: " + line);
                }
                description.append(line.substring(1).strip()).append('\n');
            }
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("the corpus has no case");
        }
        return cases;
    }

    private static String codeOf(List<String> lines) {
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        return end == 0 ? "" : String.join("\n", lines.subList(0, end)) + "\n";
    }

    private static IllegalArgumentException error(int lineIndex, String message) {
        return new IllegalArgumentException(RESOURCE + " line " + (lineIndex + 1) + ": " + message);
    }
}
