package org.pyexec4j.cli.repl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.pyexec4j.Interpreter;

/** The REPL's logic with scripted input and real CPython. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplTest {
    private static final Object CTRL_C = new Object();

    private Interpreter py;
    private int sessions;

    @BeforeAll
    void start() {
        py = Interpreter.builder().timeout(Duration.ofSeconds(60)).grace(Duration.ofSeconds(1)).build();
    }

    @AfterAll
    void stop() {
        py.close();
    }

    /** A scripted terminal: lines (or CTRL_C), then Ctrl-D; records the prompts shown. */
    private final class Script implements LineSource {
        final Deque<Object> inputs;
        final List<String> prompts = new ArrayList<>();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final Repl repl;
        volatile Runnable beforeEachLine = () -> {};

        Script(Object... inputs) {
            this.inputs = new ArrayDeque<>(List.of(inputs));
            this.repl = new Repl(py, this, new PrintWriter(out, true), new PrintWriter(err, true),
                    "repl-test-" + (++sessions));
        }

        @Override
        public String readLine(String prompt) throws Interrupted, EndOfInput {
            prompts.add(prompt);
            beforeEachLine.run();
            Object next = inputs.poll();
            if (next == null) {
                throw new EndOfInput();
            }
            if (next == CTRL_C) {
                throw new Interrupted();
            }
            return (String) next;
        }

        int run() {
            return repl.loop();
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }
    }

    @Test
    void anExpressionShowsItsReprAndStateIsKept() {
        Script s = new Script("x = 20", "x * 2 + 2", "'h\u00e9llo \u2713 \ud83d\ude00'", "None", "print('printed')");
        assertThat(s.run()).isZero();
        assertThat(s.out()).isEqualTo("42\n'h\u00e9llo \u2713 \ud83d\ude00'\nprinted\n\n");
        assertThat(s.err()).isEmpty();
        assertThat(s.prompts).containsOnly(Repl.PROMPT);
    }

    @Test
    void incompleteInputGetsTheContinuationPrompt() {
        Script s = new Script("def triple(n):", "    return n * 3", "", "triple(4)",
                "for i in range(2):", "    print(i)", "", "[1,", " 2]");
        assertThat(s.run()).isZero();
        assertThat(s.prompts).containsExactly(">>> ", "... ", "... ", ">>> ", ">>> ", "... ", "... ", ">>> ",
                "... ", ">>> ");
        assertThat(s.out()).isEqualTo("12\n0\n1\n[1, 2]\n\n");
    }

    @Test
    void tracebacksLookAsInPythonsOwnRepl() {
        Script s = new Script("def f():", "    return 1 / 0", "", "f()", "1 +", "print('still here')");
        assertThat(s.run()).isZero();
        assertThat(s.err()).contains("Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\n"
                        + "  File \"<stdin>\", line 2, in f\n")
                .contains("ZeroDivisionError: division by zero\n")
                .contains("SyntaxError")
                .doesNotContain("runfile", "__pyexec4j");
        assertThat(s.out()).isEqualTo("still here\n\n");
    }

    @Test
    void blankLinesAndCommentsRunNothing() {
        Script s = new Script("", "   ", "# just a comment", "1")
;
        assertThat(s.run()).isZero();
        assertThat(s.out()).isEqualTo("1\n\n");
        assertThat(s.err()).isEmpty();
    }

    @Test
    void severalStatementsPastedAtOnceRunInTurn() {
        Script s = new Script("a = 1\nb = 2\na + b");
        assertThat(s.run()).isZero();
        assertThat(s.out()).isEqualTo("3\n\n");
    }

    @Test
    void ctrlCAtThePromptDropsTheLineTyped() {
        Script s = new Script("def g():", CTRL_C, "5");
        assertThat(s.run()).isZero();
        assertThat(s.out()).isEqualTo("KeyboardInterrupt\n5\n\n");
        assertThat(s.prompts).containsExactly(">>> ", "... ", ">>> ", ">>> ");
    }

    @Test
    void ctrlCWhileCodeRunsInterruptsItAndKeepsTheSession() throws Exception {
        Script s = new Script("kept = 'yes'", "import time", "print('go', flush=True); time.sleep(600)", "kept");
        CompletableFuture<Integer> done = CompletableFuture.supplyAsync(s::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!s.out().contains("go\n") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.out()).contains("go\n");
        s.repl.interruptRunning();
        assertThat(done.get(60, TimeUnit.SECONDS)).isZero();
        assertThat(s.err()).contains("KeyboardInterrupt").doesNotContain("runfile");
        assertThat(s.out()).isEqualTo("go\n'yes'\n\n");
    }

    @Test
    void exitLeavesWithItsStatus() {
        Script s = new Script("print('bye')", "import sys; sys.exit(3)", "print('never')");
        assertThat(s.run()).isEqualTo(3);
        assertThat(s.out()).isEqualTo("bye\n");
        assertThat(s.err()).as("no traceback, as in Python's REPL").isEmpty();
        assertThat(new Script("exit()").run()).isZero();
        Script message = new Script("print('x', end=''); raise SystemExit('giving up')");
        assertThat(message.run()).isEqualTo(1);
        assertThat(message.out()).isEqualTo("x");
        assertThat(message.err()).isEqualTo("giving up\n");
        Script hard = new Script("import os; os._exit(4)");
        assertThat(hard.run()).isEqualTo(4);
    }

    @Test
    void theBannerNamesPython() {
        assertThat(new Script().repl.banner()).startsWith("Python 3.").contains("Ctrl-D");
    }
}
