package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference's behaviours, one test each, and the bugs of the reference we fix. */
class InterpreterBehaviourTest {
    @TempDir
    static Path workdir;
    static Interpreter py;

    @BeforeAll
    static void start() {
        py = Interpreter.builder().workingDirectory(workdir).timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        py.close();
    }

    @Test
    void resultHasTheReferenceShapeAndClosingLine() {
        ExecutionResult r = py.run("print('hello')");
        assertThat(r.termOut()).containsExactly("hello", "\n",
                "Execution time: a moment seconds (time limit is 30 seconds).");
        assertThat(r.excType()).isNull();
        assertThat(r.excInfo()).isNull();
        assertThat(r.excStack()).isNull();
        assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(r.stateKept()).isTrue();
        assertThat(r.execTimeSeconds()).isGreaterThanOrEqualTo(0).isLessThan(30);
        assertThat(r.toJson()).startsWith("{\"term_out\":[\"hello\",\"\\n\",\"Execution time: a moment seconds"
                + " (time limit is 30 seconds).\"],\"exec_time\":");
        assertThat(r.toJson()).contains("\"exc_type\":null,\"exc_info\":null,\"exc_stack\":null,\"ending\":\"completed\"");
    }

    @Test
    void closingLineNamesTheLimitInHumanWords() {
        ExecutionResult r = py.run(RunRequest.of("pass").withTimeout(Duration.ofHours(1)));
        assertThat(r.termOut()).last().isEqualTo("Execution time: a moment seconds (time limit is an hour).");
        ExecutionResult slow = py.run(RunRequest.of("import time; time.sleep(1.2)").withTimeout(Duration.ofSeconds(61)));
        assertThat(slow.termOut()).last().isEqualTo("Execution time: a second seconds (time limit is a minute).");
    }

    @Test
    void codeRunsAsAScriptInTheWorkingDirectory() throws Exception {
        ExecutionResult r = py.run(String.join("\n",
                "import os, sys",
                "print(__name__)",
                "print(__file__)",
                "print(os.getcwd())",
                "print(sys.path[-1])",
                "print(open(__file__).read().splitlines()[0])",
                "print(sys.argv)"));
        Path runfile = workdir.toRealPath().resolve("runfile.py");
        assertThat(r.output()).isEqualTo("__main__\n" + runfile + "\n" + workdir.toRealPath() + "\n"
                + workdir.toRealPath() + "\nimport os, sys\n['" + runfile + "']\n");
        assertThat(runfile).doesNotExist();
    }

    @Test
    void aFreshStateHoldsNothingOfTheWorkersRehearsal() {
        // a spare walks the run path (a print, a traceback) before it is handed out
        ExecutionResult r = py.run(String.join("\n",
                "import sys, linecache",
                "print(sorted(k for k in globals() if not k.startswith('__')))",
                "print([p for p in sys.path if 'rehearsal' in p])",
                "print(sorted(k for k in linecache.cache if 'runfile' in k or 'rehearsal' in k))",
                "print(sys.exc_info())"));
        assertThat(r.output()).isEqualTo("['linecache', 'sys']\n[]\n['runfile.py']\n(None, None, None)\n");
    }

    @Test
    void codeThatLeavesNoRoomForRunfilePyStillRuns() {
        // the reference's process dies when it cannot write the file; here the code runs without
        // it, and can undo what it did
        RunRequest dir = RunRequest.of("import os\nos.remove('runfile.py')\nos.mkdir('runfile.py')\nx = 1").inSession("no-room");
        py.run(dir);
        ExecutionResult r = py.run(RunRequest.of("import os\nprint(x)\nos.rmdir('runfile.py')").inSession("no-room"));
        assertThat(r.output()).startsWith("[pyexec4j: runfile.py could not be written (").endsWith("the code runs without it]\n1\n");
        assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(py.run(RunRequest.of("print(x + 1)").inSession("no-room")).output()).isEqualTo("2\n");
        ExecutionResult descriptors = py.run(RunRequest.of("import resource\n"
                + "resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))").inSession("no-room"));
        assertThat(descriptors.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(py.run(RunRequest.of("print(x)").inSession("no-room")).output())
                .contains("Too many open files").endsWith("the code runs without it]\n1\n");
    }

    @Test
    void cancellingARunsFutureLeavesItsSessionServingInOrder() throws Exception {
        py.run(RunRequest.of("x = 1").inSession("cancelled"));
        CompletableFuture<ExecutionResult> slow = py.runAsync(RunRequest.of("import time\ntime.sleep(1)\nx = 2")
                .inSession("cancelled"));
        Thread.sleep(200);
        assertThat(slow.cancel(true)).isTrue();
        // the next run waits for the cancelled one, which goes on: it was sent to the worker
        // while that one ran, and the session never answered again
        ExecutionResult next = py.runAsync(RunRequest.of("print(x)").inSession("cancelled")).get(60, TimeUnit.SECONDS);
        assertThat(next.output()).isEqualTo("2\n");
    }

    @Test
    void aTraceFunctionOfTheCodeTracesItsCodeNotTheEngine() {
        // one that raises at every call ended the worker once the run's code was over
        ExecutionResult set = py.run(RunRequest.of("import sys\nx = 1\n"
                + "sys.settrace(lambda *a: (_ for _ in ()).throw(RuntimeError('from the tracer')))\nprint('set')")
                .inSession("tracer"));
        assertThat(set.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(set.output()).isEqualTo("set\n");
        ExecutionResult next = py.run(RunRequest.of("print(x)").inSession("tracer"));
        assertThat(next.excType()).isEqualTo("RuntimeError"); // the code's tracer, at the code's first call
        assertThat(next.stateKept()).isTrue();
        assertThat(next.output()).doesNotContain("worker.py").contains("RuntimeError: from the tracer");
    }

    @Test
    void anExceptionWhoseClassCannotBeNamedIsStillReported() {
        ExecutionResult r = py.run(RunRequest.of("class Meta(type):\n"
                + "    @property\n    def __name__(cls):\n        raise ValueError('no name')\n"
                + "    @property\n    def __module__(cls):\n        raise ValueError('no module')\n"
                + "class E(Exception, metaclass=Meta):\n    pass\n"
                + "x = 1\nraise E('x')").inSession("unnamed"));
        assertThat(r.ending()).isEqualTo(Ending.RAISED);
        assertThat(r.excType()).isEqualTo("E");
        assertThat(r.excStack()).containsExactly(new StackFrame("runfile.py", 11, "<module>", "raise E('x')"));
        assertThat(r.output()).contains("  File \"runfile.py\", line 11, in <module>\n    raise E('x')\nE\n[pyexec4j: the exception"
                + " could not be formatted: ValueError while looking at it]\n");
        assertThat(py.run(RunRequest.of("print(x)").inSession("unnamed")).output()).isEqualTo("1\n");
    }

    @Test
    void modulesInTheWorkingDirectoryImport() throws Exception {
        Files.writeString(workdir.resolve("helper_mod.py"), "VALUE = 7\n");
        ExecutionResult r = py.run("import helper_mod\nprint(helper_mod.VALUE)");
        assertThat(r.output()).isEqualTo("7\n");
    }

    @Test
    void eachRunStartsInTheWorkingDirectory() {
        RunRequest first = RunRequest.of("import os\nos.makedirs('sub', exist_ok=True)\nos.chdir('sub')").inSession("cwd");
        py.run(first);
        ExecutionResult r = py.run(RunRequest.of("import os\nprint(os.getcwd())").inSession("cwd"));
        assertThat(r.output().trim()).isEqualTo(workdir.toAbsolutePath().toString().replace("/private", ""));
        py.closeSession("cwd");
    }

    @Test
    void tracebackNamesRunfileAndHidesEngineFrames() {
        ExecutionResult r = py.run("def f(x):\n    return 1 / x\n\nf(0)");
        assertThat(r.excType()).isEqualTo("ZeroDivisionError");
        assertThat(r.excInfo().args()).containsExactly("division by zero");
        assertThat(r.output()).startsWith("Traceback (most recent call last):\n  File \"runfile.py\", line 4, in <module>\n")
                .contains("  File \"runfile.py\", line 2, in f\n    return 1 / x\n")
                .endsWith("ZeroDivisionError: division by zero\n")
                .doesNotContain("worker.py");
        assertThat(r.excStack()).containsExactly(
                new StackFrame("runfile.py", 4, "<module>", "f(0)"),
                new StackFrame("runfile.py", 2, "f", "return 1 / x"));
        assertThat(r.ending()).isEqualTo(Ending.RAISED);
        assertThat(r.chunks()).extracting(OutputChunk::stream).containsOnly(StdStream.STDERR);
    }

    @Test
    void excInfoCarriesArgsAsStringsAndNameMsgObj() {
        ExecutionResult r = py.run("class E(Exception): pass\nraise E(1, 'two', None)");
        assertThat(r.excInfo().args()).containsExactly("1", "two", "None");
        assertThat(r.excInfo().attributes()).isEmpty();
        ExecutionResult attr = py.run("x = 5\nx.nope");
        assertThat(attr.excType()).isEqualTo("AttributeError");
        assertThat(attr.excInfo().attributes()).containsEntry("name", "nope").containsEntry("obj", "5");
        ExecutionResult imp = py.run("import no_such_module_xyz");
        assertThat(imp.excType()).isEqualTo("ModuleNotFoundError");
        assertThat(imp.excInfo().attributes()).containsEntry("name", "no_such_module_xyz")
                .containsEntry("msg", "No module named 'no_such_module_xyz'");
    }

    @Test
    void syntaxErrorsKeepTheReferenceHeaderAndGiveALocation() {
        ExecutionResult r = py.run("x = (\n");
        assertThat(r.excType()).isEqualTo("SyntaxError");
        assertThat(r.output()).startsWith("Traceback (most recent call last):\n  File \"runfile.py\", line 1\n")
                .doesNotContain("worker.py");
        assertThat(r.excStack()).isEmpty();
        assertThat(r.syntaxError()).isEqualTo(new SyntaxErrorLocation("runfile.py", 1, 5, "x = (\n"));
        assertThat(r.excInfo().args()).contains("('runfile.py', 1, 5, 'x = (\\n', 1, 0)");
    }

    /** A recursion far deeper than the frames CPython prints of a traceback. */
    private static final String DEEP_RECURSION = "import sys\nsys.setrecursionlimit(200000)\ndef f(): f()\n";

    @Test
    void aTracebackDeeperThanCPythonPrintsKeepsItsInnermostFrames() {
        // a recursion under a raised limit leaves hundreds of thousands of frames: formatting
        // them all took longer than the time limit, and the session was killed after its grace
        // (before 3.11 each Python call also takes C stack, and such a recursion crashes)
        Assumptions.assumeTrue(Pythons.atLeast(py.python().version(), 3, 11),
                "Python " + py.python().version() + " recurses on the C stack");
        ExecutionResult r = py.run(DEEP_RECURSION + "f()");
        assertThat(r.excType()).isEqualTo("RecursionError");
        assertThat(r.ending()).isEqualTo(Ending.RAISED);
        assertThat(r.excStack()).hasSize(1000).extracting(StackFrame::name).containsOnly("f");
        assertThat(r.output())
                .containsPattern("^Traceback \\(most recent call last\\):\n  \\[pyexec4j: \\d{5,6} outer frames left out;"
                        + " the innermost 1000 follow]\n  File \"runfile.py\", line 3, in f\n")
                .contains("  [Previous line repeated 997 more times]\n")
                .endsWith("RecursionError: maximum recursion depth exceeded\n")
                .doesNotContain("worker.py");
        // a chained one is cut and noted too
        ExecutionResult chained = py.run(DEEP_RECURSION + "try:\n    f()\nexcept RecursionError as e:\n"
                + "    raise ValueError('outer') from e");
        assertThat(chained.excType()).isEqualTo("ValueError");
        assertThat(chained.output())
                .containsPattern("^Traceback \\(most recent call last\\):\n  \\[pyexec4j: \\d{5,6} outer frames left out;")
                .contains("RecursionError: maximum recursion depth exceeded\n\nThe above exception was the direct cause")
                .endsWith("  File \"runfile.py\", line 7, in <module>\n    raise ValueError('outer') from e\nValueError: outer\n");
        // a limit the code sets is honoured as the reference honours it, with nothing left out on our
        // part: its outer two entries, the engine's frame one of them, in the text and in exc_stack
        ExecutionResult limited = py.run(DEEP_RECURSION + "sys.tracebacklimit = 2\nf()");
        assertThat(limited.excType()).isEqualTo("RecursionError");
        assertThat(limited.excStack()).extracting(StackFrame::name).containsExactly("<module>");
        assertThat(limited.output()).startsWith("Traceback (most recent call last):\n  File \"runfile.py\", line 5,"
                + " in <module>\n    f()\nRecursionError");
        assertThat(limited.output()).doesNotContain("pyexec4j:");
        // a shallow one is untouched
        ExecutionResult shallow = py.run("def f(n):\n    return f(n + 1)\nf(0)");
        assertThat(shallow.excStack()).hasSizeBetween(900, 999).first().isEqualTo(new StackFrame("runfile.py", 3, "<module>", "f(0)"));
        assertThat(shallow.output()).doesNotContain("pyexec4j:");
    }

    @Test
    void anExceptionOfHundredsOfMegabytesIsReportedByItsHeadAndTailAndTheSessionGoesOn() {
        // 200 args of 1 MB: the result message would have been 400 MB, past what the host
        // takes from a worker, and the worker was killed (the session's state lost)
        py.run(RunRequest.of("x = 41").inSession("huge-exception"));
        ExecutionResult r = py.run(RunRequest.of("raise ValueError(*(['y' * 10**6] * 200))")
                .inSession("huge-exception").withReset(false));
        assertThat(r.excType()).isEqualTo("ValueError");
        assertThat(r.ending()).isEqualTo(Ending.RAISED);
        assertThat(r.excInfo().args()).hasSize(200).allSatisfy(arg -> assertThat(arg)
                .hasSizeLessThan(50_000).startsWith("yyy").endsWith("yyy").containsPattern("\\[pyexec4j: \\d+ characters left out]"));
        assertThat(r.output()).contains("characters left out").endsWith("yyy')\n");
        ExecutionResult many = py.run(RunRequest.of("raise ValueError(*range(2500))").inSession("huge-exception").withReset(false));
        assertThat(many.excInfo().args()).hasSize(1001).startsWith("0", "1")
                .endsWith("999", "[pyexec4j: 1500 more args left out]");
        assertThat(py.run(RunRequest.of("print(x + 1)").inSession("huge-exception").withReset(false)).output())
                .isEqualTo("42\n");
        py.closeSession("huge-exception");
    }

    @Test
    void chainedCausesAreReported() {
        ExecutionResult r = py.run(String.join("\n",
                "try:",
                "    {}['k']",
                "except KeyError as e:",
                "    raise ValueError('bad config') from e"));
        assertThat(r.excType()).isEqualTo("ValueError");
        assertThat(r.causes()).containsExactly(new ChainedException("KeyError", "'k'", ChainedException.Relation.CAUSE));
        assertThat(r.output()).contains("The above exception was the direct cause of the following exception");
        ExecutionResult ctx = py.run("try:\n    1/0\nexcept ZeroDivisionError:\n    undefined_name");
        assertThat(ctx.causes()).extracting(ChainedException::type, ChainedException::relation)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ZeroDivisionError", ChainedException.Relation.CONTEXT));
    }

    @Test
    void warningsAreMuted() {
        ExecutionResult r = py.run("import warnings\nwarnings.warn('loud')\nprint('done')");
        assertThat(r.output()).isEqualTo("done\n");
    }

    @Test
    void stdinGivesEofAtOnce() {
        ExecutionResult r = py.run("input()");
        assertThat(r.excType()).isEqualTo("EOFError");
        ExecutionResult read = py.run("import sys\nprint(repr(sys.stdin.read()))\nimport os\nprint(os.read(0, 10))");
        assertThat(read.output()).isEqualTo("''\nb''\n");
    }

    @Test
    void sysExitIsAResultWithItsCode() {
        ExecutionResult r = py.run("import sys\nprint('bye')\nsys.exit(3)");
        assertThat(r.excType()).isEqualTo("SystemExit");
        assertThat(r.ending()).isEqualTo(Ending.EXITED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stateKept()).isTrue();
        assertThat(r.output()).startsWith("bye\nTraceback (most recent call last):");
        assertThat(py.run("raise SystemExit").exitCode()).isEqualTo(0);
        assertThat(py.run("import sys; sys.exit('message')").exitCode()).isEqualTo(1);
    }

    @Test
    void keyboardInterruptRaisedByTheCodeIsNotATimeout() {
        ExecutionResult r = py.run("raise KeyboardInterrupt");
        assertThat(r.excType()).isEqualTo("KeyboardInterrupt");
        assertThat(r.ending()).isEqualTo(Ending.RAISED);
        assertThat(r.termOut()).last().asString().startsWith("Execution time:");
    }

    @Test
    void jsonHasExtraFieldsAfterTheReferenceFive() {
        String json = py.run("import sys; sys.exit(2)").toJson();
        assertThat(json.indexOf("\"exc_stack\"")).isLessThan(json.indexOf("\"ending\""));
        assertThat(json).contains("\"ending\":\"exited\",\"exit_code\":2,\"signal\":null,\"state_kept\":true,\"resources\":{");
        assertThat(json).contains("\"streams\":[[\"stderr\",1]],\"dropped_bytes\":0,\"causes\":[],\"syntax_error\":null,"
                + "\"limit_hit\":null,\"isolation\":\"" + py.isolation().level().name().toLowerCase() + "\"}");
    }

    @Test
    void resourcesAreMeasured() {
        ExecutionResult r = py.run("x = sum(range(3_000_000))\nblob = bytearray(50_000_000)");
        assertThat(r.resources().cpu()).isPositive();
        assertThat(r.resources().peakMemoryBytes()).isGreaterThan(50_000_000L);
        assertThat(r.resources().wall()).isPositive();
    }

    @Test
    void sessionsKeepStateAndResetOnDemand() {
        py.run(RunRequest.of("import math\nx = 41").inSession("keep"));
        assertThat(py.run(RunRequest.of("print(x + 1, math.pi > 3)").inSession("keep")).output()).isEqualTo("42 True\n");
        ExecutionResult reset = py.run(RunRequest.of("print(x)").inSession("keep").withReset(true));
        assertThat(reset.excType()).isEqualTo("NameError");
        assertThat(py.run("print('x' in globals())").output()).isEqualTo("False\n");
        assertThat(py.sessions()).contains("keep");
        py.closeSession("keep");
        assertThat(py.sessions()).doesNotContain("keep");
    }

    @Test
    void anErrorKeepsTheSessionState() {
        py.run(RunRequest.of("y = [1, 2]").inSession("err"));
        py.run(RunRequest.of("y.append(3)\n1/0").inSession("err"));
        assertThat(py.run(RunRequest.of("print(y)").inSession("err")).output()).isEqualTo("[1, 2, 3]\n");
        py.closeSession("err");
    }

    @Test
    void asyncRunsComplete() throws Exception {
        List<ExecutionResult> results = List.of(
                py.runAsync(RunRequest.of("print(1)").inSession("a1")).get(),
                py.runAsync(RunRequest.of("print(2)")).get());
        assertThat(results).extracting(ExecutionResult::output).containsExactly("1\n", "2\n");
        py.closeSession("a1");
    }
}
