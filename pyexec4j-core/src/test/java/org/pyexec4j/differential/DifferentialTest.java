package org.pyexec4j.differential;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.RunRequest;

/**
 * The differential test of issue 2: every case of {@code differential/corpus.txt} runs through
 * the reference (AIDE's {@code interpreter.py}, by {@code reference_driver.py}) and through
 * pyexec4j with the same CPython ({@code /usr/bin/python3}); per step, {@code term_out} (the
 * duration aside), {@code exc_type}, {@code exc_info} and the user's frames of
 * {@code exc_stack} must be equal, except where {@link KnownDifferences} says why not.
 *
 * <p>The reference runs in one background process while pyexec4j runs the same cases (one
 * session per case, one Interpreter for all), so the whole takes about as long as the slower
 * of the two (~20 s). Skipped, with the reason, when the reference cannot run here: no
 * {@code ../shared/seed/interpreter.py} beside the repository root, or no {@code /usr/bin/python3}
 * with Debian's {@code python3-humanize} and {@code python3-dataclasses-json}.
 *
 * <p>Run only this test: {@code mvn -pl pyexec4j-core test -Dtest='org.pyexec4j.differential.**'
 * -Dsurefire.failIfNoSpecifiedTests=false}; add {@code -Dpyexec4j.differential.only=REGEX} for
 * the cases whose name matches, {@code -Dpyexec4j.differential.dump=FILE} to write every step's
 * two results to FILE.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {
    /** Prints the session's working directory, to normalise it in paths. */
    private static final String WORKDIR_PROBE = "import os\nprint(os.getcwd(), end='')\n";
    private static final int SHOW_CHARS = 3000;

    private ReferenceRun reference;
    private Interpreter interpreter;

    @TestFactory
    Stream<DynamicTest> corpusRunsAsInTheReference() throws Exception {
        Optional<Path> shared = ReferenceRun.sharedDir();
        if (shared.isEmpty() || !Files.isDirectory(shared.get().resolve("seed"))) {
            return skipped("the reference is not here: no shared/seed/ beside the repository root (looked for "
                    + shared.map(p -> p.resolve("seed").toString()).orElse("../shared/seed") + ")");
        }
        List<Corpus.Case> cases = selected(Corpus.load());
        ReferenceRun.Startup startup = ReferenceRun.start(shared.get(), cases);
        if (startup.run() == null) {
            return skipped(startup.unavailableReason());
        }
        reference = startup.run();
        interpreter = Interpreter.builder()
                .python(ReferenceRun.PYTHON.toString())
                .timeout(Duration.ofHours(1)) // the reference's default
                .grace(Duration.ofSeconds(5)) // the reference kills 5 s after the limit
                .build();
        assertThat(interpreter.python().version())
                .as("pyexec4j and the reference must run the same CPython, or tracebacks cannot match")
                .isEqualTo(reference.pythonVersion());
        return IntStream.range(0, cases.size())
                .mapToObj(i -> DynamicTest.dynamicTest(cases.get(i).name(), () -> check(i, cases.get(i))));
    }

    /** One test that is skipped with the reason: surefire does not count an aborted factory as skipped. */
    private static Stream<DynamicTest> skipped(String reason) {
        return Stream.of(DynamicTest.dynamicTest("reference unavailable",
                () -> Assumptions.assumeTrue(false, reason)));
    }

    /** With -Dpyexec4j.differential.only=REGEX, only the cases whose name matches (to debug one). */
    private static List<Corpus.Case> selected(List<Corpus.Case> all) {
        String only = System.getProperty("pyexec4j.differential.only");
        if (only == null || only.isBlank()) {
            return all;
        }
        Pattern p = Pattern.compile(only);
        return all.stream().filter(c -> p.matcher(c.name()).matches()).collect(Collectors.toList());
    }

    @Test
    void everyKnownDifferenceNamesAStepOfTheCorpus() throws Exception {
        Map<String, Corpus.Case> byName = Corpus.load().stream()
                .collect(Collectors.toMap(Corpus.Case::name, c -> c));
        for (Map.Entry<String, List<KnownDifferences.Difference>> e : KnownDifferences.all().entrySet()) {
            assertThat(byName).as("cases of the corpus").containsKey(e.getKey());
            Set<Integer> steps = new HashSet<>();
            for (KnownDifferences.Difference d : e.getValue()) {
                assertThat(d.step()).as("step of known difference in case %s", e.getKey())
                        .isBetween(0, byName.get(e.getKey()).steps().size() - 1);
                assertThat(steps.add(d.step())).as("one known difference per step, case %s", e.getKey()).isTrue();
                assertThat(d.why()).as("why of case %s step %d", e.getKey(), d.step()).isNotBlank();
            }
        }
    }

    @AfterAll
    void closeAll() throws Exception {
        try {
            if (interpreter != null) {
                interpreter.close();
            }
        } finally {
            if (reference != null) {
                reference.close();
            }
        }
    }

    private void check(int index, Corpus.Case c) throws Exception {
        // a neutral name: the session's temporary working directory is named after it
        String session = "differential-" + index;
        List<ExecutionResult> ours = new ArrayList<>();
        String ourWorkdir;
        try {
            ourWorkdir = interpreter.run(RunRequest.of(WORKDIR_PROBE).inSession(session).withReset(true)).output();
            for (Corpus.Step step : c.steps()) {
                ours.add(interpreter.run(RunRequest.of(step.code())
                        .inSession(session)
                        .withReset(step.reset())
                        .withTimeout(Duration.ofMillis(Math.round(step.timeoutSeconds() * 1000)))));
            }
        } finally {
            interpreter.closeSession(session);
        }
        ReferenceRun.CaseResult ref = reference.result(c.name());
        assertThat(ref.steps()).as("steps the reference ran for case %s", c.name()).hasSize(c.steps().size());

        Map<Integer, KnownDifferences.Difference> differences = new HashMap<>();
        for (KnownDifferences.Difference d : KnownDifferences.forCase(c.name())) {
            differences.put(d.step(), d);
        }
        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < c.steps().size(); i++) {
            Observation theirs = Observation.fromReference(ref.steps().get(i), ref.workdir(), reference.engineFile());
            ExecutionResult result = ours.get(i);
            Observation mine = Observation.fromOurs(JsonValues.parseObject(result.toJson()), ourWorkdir);
            KnownDifferences.Difference d = differences.get(i);
            String label = describe(c, i, theirs, mine, d);
            dump(label);
            Observation expected;
            try {
                expected = d == null ? theirs : d.expected().expected(theirs, mine);
            } catch (AssertionError e) {
                softly.fail(label + "\n>>> known difference: " + e.getMessage());
                continue;
            }
            String at = label + "\n>>> field";
            compare(softly, at, "output (term_out without its closing line)", mine.output(), expected.output());
            compare(softly, at, "closing line of term_out", mine.closing(), expected.closing());
            compare(softly, at, "exc_type", mine.excType(), expected.excType());
            compare(softly, at, "exc_info", Observation.json(mine.excInfo()), Observation.json(expected.excInfo()));
            compare(softly, at, "exc_stack (the reference's engine frames removed)",
                    Observation.json(mine.excStack()), Observation.json(expected.excStack()));
            if (d != null && d.alsoOurs() != null) {
                softly.check(() -> {
                    try {
                        d.alsoOurs().accept(result);
                    } catch (AssertionError e) {
                        throw new AssertionError(label + "\n>>> known difference, pyexec4j's result: "
                                + e.getMessage(), e);
                    }
                });
            }
        }
        softly.assertAll();
    }

    /** With -Dpyexec4j.differential.dump=FILE, appends every step's two results to FILE (to review the corpus). */
    private static synchronized void dump(String label) throws IOException {
        String file = System.getProperty("pyexec4j.differential.dump");
        if (file != null && !file.isBlank()) {
            // getBytes replaces a lone surrogate (the reference keeps them) where writeString throws
            Files.write(Path.of(file), ("=".repeat(100) + "\n" + label + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** Compares long strings by a window around their first difference, to keep messages readable. */
    private static void compare(SoftAssertions softly, String label, String field, String actual, String expected) {
        if (Objects.equals(actual, expected)) {
            return;
        }
        if (actual == null || expected == null || (actual.length() <= SHOW_CHARS && expected.length() <= SHOW_CHARS)) {
            softly.assertThat(actual).as("%s: %s", label, field).isEqualTo(expected);
            return;
        }
        int at = 0;
        while (at < actual.length() && at < expected.length() && actual.charAt(at) == expected.charAt(at)) {
            at++;
        }
        int from = Math.max(0, at - 200);
        softly.assertThat(window(actual, from)).as("%s: %s, from char %d (first difference at %d;"
                        + " lengths: pyexec4j %d, expected %d)", label, field, from, at, actual.length(),
                expected.length())
                .isEqualTo(window(expected, from));
    }

    private static String window(String s, int from) {
        return s.substring(Math.min(from, s.length()), Math.min(s.length(), from + 600));
    }

    private static String describe(Corpus.Case c, int i, Observation theirs, Observation mine,
                                   KnownDifferences.Difference d) {
        StringBuilder sb = new StringBuilder();
        sb.append("case '").append(c.name()).append("' step ").append(i + 1).append('/').append(c.steps().size());
        Corpus.Step step = c.steps().get(i);
        sb.append(" (reset=").append(step.reset()).append(", timeout=").append(step.timeoutSeconds()).append(')');
        if (d != null) {
            sb.append("\nknown difference: ").append(d.why());
        }
        sb.append("\n--- code ---\n").append(step.code());
        sb.append("--- reference ---\n").append(show(theirs));
        sb.append("\n--- pyexec4j ---\n").append(show(mine));
        return sb.toString();
    }

    private static String show(Observation o) {
        if (o.error() != null) {
            return "raised " + o.error();
        }
        String out = o.output();
        if (out.length() > SHOW_CHARS) {
            out = out.substring(0, SHOW_CHARS / 2) + "\n[... " + (out.length() - SHOW_CHARS) + " chars ...]\n"
                    + out.substring(out.length() - SHOW_CHARS / 2);
        }
        Object stack = o.excStack();
        if (stack instanceof List<?> frames && frames.size() > 12) {
            List<Object> shown = new ArrayList<>(frames.subList(0, 6));
            shown.add("... " + (frames.size() - 9) + " frames ...");
            shown.addAll(frames.subList(frames.size() - 3, frames.size()));
            stack = shown;
        }
        return out + "[closing] " + o.closing() + "\n[exc_type] " + o.excType()
                + "\n[exc_info] " + Observation.json(o.excInfo()) + "\n[exc_stack] " + Observation.json(stack);
    }
}
