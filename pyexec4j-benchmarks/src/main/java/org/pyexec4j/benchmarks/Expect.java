package org.pyexec4j.benchmarks;

import org.pyexec4j.Ending;
import org.pyexec4j.ExecutionResult;

/**
 * Checks on results, so that a benchmark never times a wrong answer. The cheap ones run on
 * every operation; the ones that read the whole output run once, in the trial's setup.
 */
final class Expect {
    private Expect() {}

    /** The run completed and printed exactly {@code text}. */
    static ExecutionResult printed(ExecutionResult r, String text) {
        completed(r);
        if (!r.output().equals(text)) {
            throw wrong("printed " + quote(text), r);
        }
        return r;
    }

    /** The run completed and dropped no output. */
    static ExecutionResult completed(ExecutionResult r) {
        if (r.ending() != Ending.COMPLETED || r.droppedBytes() != 0) {
            throw wrong("completed with all its output", r);
        }
        return r;
    }

    /** The run raised {@code excType}. */
    static ExecutionResult raised(ExecutionResult r, String excType) {
        if (r.ending() != Ending.RAISED || !excType.equals(r.excType())) {
            throw wrong("raised " + excType, r);
        }
        return r;
    }

    /** Output of {@code bytes} characters, each an {@code x}. */
    static void onlyX(ExecutionResult r, int bytes) {
        completed(r);
        String out = r.output();
        if (out.length() != bytes || out.chars().anyMatch(c -> c != 'x')) {
            throw wrong(bytes + " times 'x' (got " + out.length() + " characters)", r);
        }
    }

    /** Output of the lines {@code 0 .. n-1}, in order. */
    static void lines(ExecutionResult r, int n) {
        completed(r);
        StringBuilder expected = new StringBuilder(n * 7);
        for (int i = 0; i < n; i++) {
            expected.append(i).append('\n');
        }
        String out = r.output();
        if (!out.contentEquals(expected)) {
            throw wrong("the lines 0.." + (n - 1) + " (got " + out.length() + " characters)", r);
        }
    }

    private static IllegalStateException wrong(String expected, ExecutionResult r) {
        String json = r.toJson();
        if (json.length() > 2000) {
            json = json.substring(0, 2000) + "...";
        }
        return new IllegalStateException("expected a run that " + expected + ", got: " + json);
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }
}
