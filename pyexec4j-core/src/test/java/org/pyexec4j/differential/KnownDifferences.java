package org.pyexec4j.differential;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pyexec4j.Ending;
import org.pyexec4j.ExecutionResult;

/**
 * Where pyexec4j is meant to differ from the reference, step by step: the result expected
 * from pyexec4j, derived from the reference's, and why. Each one is a bug of the reference
 * that issue 2 lists as fixed (or, where said, a limit of the reference that pyexec4j does
 * not share). Every step not listed here must match the reference exactly, after
 * {@link Observation}'s normalisation.
 *
 * <p>Each expectation first checks that the reference still behaves as described
 * ({@link #replaceOnce}, {@link #require}): if the reference changes, the entry fails
 * instead of silently expecting the wrong thing.
 */
final class KnownDifferences {

    /** The result expected from pyexec4j, given the reference's and (for tolerances only) ours. */
    interface Expectation {
        Observation expected(Observation reference, Observation ours);
    }

    /**
     * @param step index of the step in its case (0-based)
     * @param why what the reference does and why pyexec4j differs
     * @param expected the result expected from pyexec4j
     * @param alsoOurs further checks of pyexec4j's full result, or {@code null}
     */
    record Difference(int step, String why, Expectation expected, Consumer<ExecutionResult> alsoOurs) {
        Difference andOurs(Consumer<ExecutionResult> check) {
            return new Difference(step, why, expected, check);
        }
    }

    private static final String CHILD_DIED = "RuntimeError: REPL child process died unexpectedly";
    private static final String CLOSING_AN_HOUR = "Execution time: " + Observation.DURATION
            + " seconds (time limit is an hour).";

    private static final Map<String, List<Difference>> BY_CASE = build();

    private KnownDifferences() {}

    private static Map<String, List<Difference>> build() {
        Map<String, List<Difference>> m = new LinkedHashMap<>();

        // ---- __name__ and __file__ behave as in a script (listed bug: the reference execs into
        // a bare dict, so __name__ falls through to builtins.__name__ and __file__ is undefined).
        add(m, "dunder-name", step(0, "__name__ is '__main__' as in a script; the reference shows 'builtins'",
                ref -> ref.withOutput(replaceOnce(ref.output(), "builtins\n", "__main__\n"))));
        add(m, "dunder-main-guard", step(0, "the `if __name__ == \"__main__\"` block runs as in a script;"
                        + " the reference skips it",
                ref -> ref.withOutput(replaceOnce(ref.output(), "done\n", "run as a script\ndone\n"))));
        add(m, "dunder-file", step(0, "__file__ is defined as in a script (its basename is runfile.py);"
                        + " the reference raises NameError",
                ref -> {
                    require(ref, "NameError".equals(ref.excType()), "exc_type NameError");
                    return completed("runfile.py\n");
                }));
        add(m, "attribute-error-user-class", step(0, "classes defined by the code live in module __main__, so"
                        + " the instance's repr in exc_info.obj names it; the reference's says nothing"
                        + " (its module is 'builtins')",
                ref -> ref.withExcInfo(mapString(ref.excInfo(), "obj",
                        obj -> replaceOnce(obj, "<Point object at ", "<__main__.Point object at ")))));

        // ---- Output written at the file-descriptor level is captured, in write order (beyond the
        // reference: its children and os.write go to its own terminal; "no output is ever lost").
        add(m, "subprocess-output", step(0, "a child process's output is captured; the reference loses it",
                ref -> ref.withOutput(replaceOnce(ref.output(), "parent before\n",
                        "parent before\nfrom the child\n"))));
        add(m, "os-system-output", step(0, "os.system's output is captured; the reference loses it",
                ref -> ref.withOutput(replaceOnce(ref.output(), "status 0\n", "from os.system\nstatus 0\n"))));
        add(m, "os-write-fd1", step(0, "os.write(1, ...) is captured; the reference loses it",
                ref -> ref.withOutput(replaceOnce(ref.output(), "after\n", "raw bytes on fd 1\nafter\n"))));
        add(m, "python-and-fd-output-interleaved", step(0, "fd-level writes are captured and keep their"
                        + " place among Python-level writes; the reference loses them",
                ref -> {
                    require(ref, ref.output().equals("py 1\npy 3\npy 5\npy 7\n"), "only the Python-level lines");
                    return ref.withOutput("py 1\nfd1 2\npy 3\nfd2 4\npy 5\nsh 6\npy 7\n");
                }));
        add(m, "write-to-sys-dunder-stdout", step(0, "sys.__stdout__ is captured like sys.stdout; the"
                        + " reference's is its own process's stdout, not captured",
                ref -> ref.withOutput(replaceOnce(ref.output(), "before\n",
                        "before\nthrough sys.__stdout__\n"))));
        add(m, "session-stdout-replaced-by-code", step(1, "every run starts with the captured streams in"
                        + " sys.stdout/sys.stderr; in the reference a sys.stdout replaced by an earlier run"
                        + " swallows every later print of the session",
                ref -> {
                    require(ref, ref.output().isEmpty(), "no output");
                    return ref.withOutput("visible again?\n");
                }));
        add(m, "stdout-is-a-text-stream", step(0, "sys.stdout is a text stream (writelines() exists; write()"
                        + " returns None, as the reference's); the reference's is a queue writer with write() and"
                        + " flush() only (a limit of the reference, not a listed bug)",
                ref -> {
                    require(ref, "AttributeError".equals(ref.excType()), "AttributeError for writelines");
                    return completed("abc\nNone\na\nb\n");
                }));

        // ---- A KeyboardInterrupt raised by the code itself is not a timeout (listed bug).
        add(m, "keyboard-interrupt-raised-by-code", step(0, "a KeyboardInterrupt the code raises itself is"
                        + " reported as such; the reference calls every KeyboardInterrupt a TimeoutError",
                ref -> {
                    require(ref, "TimeoutError".equals(ref.excType()), "exc_type TimeoutError");
                    return ref.withExcType("KeyboardInterrupt").withClosing(CLOSING_AN_HOUR);
                }).andOurs(r -> assertThat(r.ending()).as("ending").isEqualTo(Ending.RAISED)));

        // ---- A worker that dies gives a result, and the next run says the state was lost (listed bug:
        // the reference raises "REPL child process died unexpectedly").
        add(m, "os-exit", step(0, "os._exit gives a result with the output so far and the exit code; the"
                        + " reference raises RuntimeError",
                ref -> {
                    requireChildDied(ref);
                    return new Observation("before os._exit\n\n[pyexec4j: the Python process exited with code 3;"
                            + " the session's state was lost]\n", CLOSING_AN_HOUR, "SystemExit",
                            Map.of("args", List.of("3")), List.of(), null);
                }).andOurs(r -> {
                    assertThat(r.ending()).as("ending").isEqualTo(Ending.EXITED);
                    assertThat(r.exitCode()).as("exit code").isEqualTo(3);
                    assertThat(r.stateKept()).as("state kept").isFalse();
                }),
                step(1, "the run after a dead worker says that it starts in a fresh state",
                        ref -> ref.withOutput("[pyexec4j: the previous run ended the Python process (the Python"
                                + " process exited with code 3); this run starts in a fresh interpreter state]\n"
                                + ref.output())));

        // ---- Killed after the grace: no output is lost, and the loss of state is said (listed bugs: the
        // reference's output.pop() drops the last write when the EOF marker never comes).
        add(m, "timeout-stubborn-killed", step(0, "the whole output is kept when the run is killed after the"
                        + " grace, and a note says so; the reference drops the last write (its final \"\\n\")",
                ref -> {
                    require(ref, ref.output().equals("start\nignoring the interrupt"), "the output without its last write");
                    return ref.withOutput("start\nignoring the interrupt\n\n[pyexec4j: the code ignored the"
                            + " interrupt at its time limit and was killed after a grace of 5.0 s; the session's"
                            + " state was lost]\n");
                }).andOurs(r -> {
                    assertThat(r.ending()).as("ending").isEqualTo(Ending.KILLED_AFTER_GRACE);
                    assertThat(r.stateKept()).as("state kept").isFalse();
                }),
                step(1, "the run after a kill says that it starts in a fresh state",
                        ref -> ref.withOutput("[pyexec4j: the previous run was killed at its time limit; this run"
                                + " starts in a fresh interpreter state]\n" + ref.output())));

        // ---- The reference's child dies while summarising the exception (str() of an argument raises).
        add(m, "exception-str-raises", step(0, "an exception whose argument cannot be str()-ed is still"
                        + " reported (args fall back to repr()); the reference's child dies and it raises"
                        + " RuntimeError",
                ref -> {
                    requireChildDied(ref);
                    return new Observation("Traceback (most recent call last):\n"
                            + "  File \"runfile.py\", line 6, in <module>\n"
                            + "    raise ValueError(Unprintable())\n"
                            + "ValueError: <exception str() failed>\n", CLOSING_AN_HOUR, "ValueError",
                            Map.of("args", List.of("Unprintable()")),
                            List.of(List.of("runfile.py", 6L, "<module>", "raise ValueError(Unprintable())")), null);
                }).andOurs(r -> assertThat(r.stateKept()).as("state kept").isTrue()));

        add(m, "exc-name-property-raises", step(0, "an exception whose `name` attribute raises is still"
                        + " reported (the attribute is left out of exc_info); the reference's child dies and it"
                        + " raises RuntimeError",
                ref -> {
                    requireChildDied(ref);
                    return new Observation("Traceback (most recent call last):\n"
                            + "  File \"runfile.py\", line 5, in <module>\n"
                            + "    raise E(\"x\")\n"
                            + "E: x\n", CLOSING_AN_HOUR, "E", Map.of("args", List.of("x")),
                            List.of(List.of("runfile.py", 5L, "<module>", "raise E(\"x\")")), null);
                }).andOurs(r -> assertThat(r.stateKept()).as("state kept").isTrue()));

        // ---- Lone surrogates: results are UTF-8 JSON, where a lone surrogate has no encoding; the
        // reference keeps it (its JSON says \ud800), pyexec4j writes U+FFFD in its place.
        add(m, "print-lone-surrogate", step(0, "a lone surrogate in the output is U+FFFD; the reference keeps it",
                ref -> ref.withOutput(replaceOnce(ref.output(), "a\ud800b", "a\ufffdb"))));
        add(m, "exc-lone-surrogate-msg", step(0, "a lone surrogate in the message is U+FFFD, in the text and in"
                        + " exc_info; the reference keeps it (the source line, which only escapes it, is the same)",
                ref -> ref.withOutput(replaceOnce(ref.output(), "ValueError: a\ud800b", "ValueError: a\ufffdb"))
                        .withExcInfo(Map.of("args", List.of("a\ufffdb")))));

        // ---- The reference filters its traceback text line by line (not a listed bug, but its text
        // loses the user's own lines): any line containing "importlib" goes.
        add(m, "module-not-found-name-has-importlib", step(0, "the exception line is kept; the reference drops"
                        + " it (and the user's frame) because they contain \"importlib\"",
                ref -> ref.withOutput(replaceOnce(ref.output(), "Traceback (most recent call last):\n",
                        "Traceback (most recent call last):\n"
                                + "  File \"runfile.py\", line 1, in <module>\n"
                                + "    import importlib_but_not_really\n"
                                + "ModuleNotFoundError: No module named 'importlib_but_not_really'\n"))));
        add(m, "import-module-importlib", step(0, "the user's frame is kept; the reference drops it from the"
                        + " text because its source line contains \"importlib\"",
                ref -> ref.withOutput(replaceOnce(ref.output(), "Traceback (most recent call last):\n",
                        "Traceback (most recent call last):\n"
                                + "  File \"runfile.py\", line 2, in <module>\n"
                                + "    importlib.import_module(\"nonexistent_mod_xyz\")\n"))));

        // ... and any line containing "aide/" (its own package's path) goes too, the code's own lines with it.
        add(m, "d7-aide-path-in-message", step(0, "the user's frame and the exception line are kept; the"
                        + " reference drops them because they contain \"aide/\"",
                ref -> ref.withOutput(replaceOnce(ref.output(), "Traceback (most recent call last):\n",
                        "Traceback (most recent call last):\n"
                                + "  File \"runfile.py\", line 1, in <module>\n"
                                + "    open(\"aide/data.csv\")\n"
                                + "FileNotFoundError: [Errno 2] No such file or directory: 'aide/data.csv'\n"))));

        // ---- Code that changes directory: the reference's child removes runfile.py by its relative
        // name after the run, fails, and dies (after its 5 s output collection loses the last write).
        add(m, "d7-chdir-then-next-step", step(0, "the whole output is kept; the reference loses the last write"
                        + " (its child died removing runfile.py from the new directory)",
                ref -> {
                    require(ref, "sub".equals(ref.output()), "the output without its last write");
                    return ref.withOutput("sub\n");
                }),
                step(1, "the session goes on in the directory the code chose; the reference raises",
                        ref -> {
                            require(ref, ref.error() != null && ref.error().startsWith("AssertionError"),
                                    "the reference raised AssertionError");
                            return completed("False True\ninner\n");
                        }));

        // ---- Tolerance: the depth at which user code starts is the engine's (the reference's child runs
        // under the frames of the parent it was forked from). Python's limit counts every frame, so
        // a few more or fewer user frames fit; everything else must match.
        add(m, "recursion-error", new Difference(0, "a RecursionError may hold up to "
                + RECURSION_TOLERANCE + " frames more or fewer than the reference's: the frames below"
                + " the user's code are the engine's", KnownDifferences::recursionDepthTolerated, null));
        return Map.copyOf(m);
    }

    static final int RECURSION_TOLERANCE = 16;
    private static final Pattern REPEATED = Pattern.compile("\\[Previous line repeated (\\d+) more times]");

    private static Observation recursionDepthTolerated(Observation ref, Observation ours) {
        if (!(ref.excStack() instanceof List<?> refStack) || !(ours.excStack() instanceof List<?> ourStack)
                || ref.output() == null || ours.output() == null) {
            return ref;
        }
        Matcher r = REPEATED.matcher(ref.output());
        Matcher o = REPEATED.matcher(ours.output());
        int delta = ourStack.size() - refStack.size();
        if (!r.find() || !o.find() || refStack.size() < 3 || Math.abs(delta) > RECURSION_TOLERANCE) {
            return ref; // compared as is: the mismatch shows
        }
        int repeated = Integer.parseInt(r.group(1)) + delta;
        String output = replaceOnce(ref.output(), r.group(), "[Previous line repeated " + repeated + " more times]");
        List<Object> stack = new ArrayList<>(refStack);
        Object recurring = stack.get(stack.size() - 1);
        while (stack.size() < ourStack.size()) {
            stack.add(recurring);
        }
        while (stack.size() > ourStack.size()) {
            stack.remove(stack.size() - 1);
        }
        return ref.withOutput(output).withExcStack(stack);
    }

    static List<Difference> forCase(String name) {
        return BY_CASE.getOrDefault(name, List.of());
    }

    static Map<String, List<Difference>> all() {
        return BY_CASE;
    }

    private static void add(Map<String, List<Difference>> m, String caseName, Difference... differences) {
        if (m.put(caseName, List.of(differences)) != null) {
            throw new IllegalStateException("known differences of case " + caseName + " given twice");
        }
    }

    private static Difference step(int step, String why, UnaryOperator<Observation> fromReference) {
        return new Difference(step, why, (ref, ours) -> fromReference.apply(ref), null);
    }

    /** A run that printed {@code output} and completed. */
    private static Observation completed(String output) {
        return new Observation(output, CLOSING_AN_HOUR, null, null, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Object mapString(Object excInfo, String key, UnaryOperator<String> f) {
        if (!(excInfo instanceof Map)) {
            throw new AssertionError("the reference's exc_info is no longer an object: " + excInfo);
        }
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) excInfo);
        copy.put(key, f.apply((String) copy.get(key)));
        return copy;
    }

    /** {@code text} with its one occurrence of {@code find} replaced; fails if it does not occur exactly once. */
    static String replaceOnce(String text, String find, String replacement) {
        int at = text == null ? -1 : text.indexOf(find);
        if (at < 0 || text.indexOf(find, at + 1) >= 0) {
            throw new AssertionError("the reference's result no longer looks as this known difference"
                    + " expects: " + (at < 0 ? "no" : "more than one") + " occurrence of <" + find + "> in <"
                    + text + ">");
        }
        return text.substring(0, at) + replacement + text.substring(at + find.length());
    }

    /** The reference's child died: it raised instead of giving a result. */
    private static void requireChildDied(Observation ref) {
        require(ref, ref.error() != null && ref.error().startsWith(CHILD_DIED), "the reference raised " + CHILD_DIED);
    }

    static void require(Observation ref, boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("the reference's result no longer looks as this known difference expects ("
                    + what + "): " + ref);
        }
    }
}
