package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code pyexec4j stdio} end to end: a real process, real CPython, the protocol of protocol.md. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StdioProtocolTest {
    private StdioClient server;

    @BeforeAll
    void start() throws IOException {
        server = new StdioClient("--timeout", "60", "--grace", "1");
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) {
            assertThat(server.junk()).as("stdout lines that are not JSON objects").isEmpty();
            server.close();
        }
    }

    @Test
    void pingIsAnsweredOk() {
        server.send("{\"id\": \"p1\", \"op\": \"ping\"}");
        assertThat(server.answer("p1")).isEqualTo(Map.of("id", "p1", "ok", true));
    }

    @Test
    void runAnswersWithTheReferenceResultAndMore() {
        server.send(run(1, "r1", "print(6 * 7)", true));
        Map<String, Object> answer = server.answer(1);
        Map<String, Object> result = result(answer);
        assertThat(result).containsKeys("term_out", "exec_time", "exc_type", "exc_info", "exc_stack", "ending");
        assertThat(body(result)).isEqualTo("42\n");
        assertThat(last(result)).matches("Execution time: .+ seconds \\(time limit is .+\\)\\.");
        assertThat(result.get("exc_type")).isNull();
        assertThat(result.get("ending")).isEqualTo("completed");
    }

    @Test
    void idsAreEchoedAsGiven() {
        server.send("{\"id\": \"x-\\u00e9\\ud83d\\ude00\", \"op\": \"ping\"}");
        assertThat(server.answer("x-\u00e9\ud83d\ude00")).containsEntry("ok", true);
        server.send("{\"id\": 12345678901234567890, \"op\": \"ping\"}");
        assertThat(server.answer(12345678901234567890.0)).containsEntry("ok", true);
        server.send("{\"id\": 2.5, \"op\": \"ping\"}");
        assertThat(server.answer(2.5)).containsEntry("ok", true);
    }

    @Test
    void aSessionKeepsItsStateWithResetFalseAndLosesItWithResetTrue() {
        server.send(run("s1", "keep", "x = 41", true));
        assertThat(result(server.answer("s1")).get("exc_type")).isNull();
        server.send(run("s2", "keep", "print(x + 1)", false));
        assertThat(body(result(server.answer("s2")))).isEqualTo("42\n");
        server.send(run("s3", "keep", "print(x)", true));
        assertThat(result(server.answer("s3")).get("exc_type")).isEqualTo("NameError");
    }

    @Test
    void defaultsAreRunOpResetTrueAndSessionDefault() {
        server.send("{\"id\": \"d1\", \"code\": \"y = 5\"}");
        assertThat(result(server.answer("d1")).get("exc_type")).isNull();
        server.send("{\"id\": \"d2\", \"code\": \"print(y)\", \"session\": \"default\", \"reset\": false}");
        assertThat(body(result(server.answer("d2")))).isEqualTo("5\n");
    }

    @Test
    void requestsOfOneSessionRunInTheOrderReceived() {
        server.send(run("o0", "order", "seen = []", true));
        for (int i = 1; i <= 8; i++) {
            server.send(run("o" + i, "order", "import time; time.sleep(0.01 * (9 - " + i + ")); seen.append("
                    + i + "); print(seen)", false));
        }
        for (int i = 1; i <= 8; i++) {
            String expected = "[" + java.util.stream.IntStream.rangeClosed(1, i).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ")) + "]\n";
            assertThat(body(result(server.answer("o" + i)))).isEqualTo(expected);
        }
    }

    @Test
    void sessionsRunConcurrently() {
        // Sessions are isolated from each other (no shared files), so this is about order: were
        // sessions served one at a time, "maker" (sent second) could only answer after "waiter".
        server.send("{\"id\": \"c1\", \"session\": \"waiter\", \"timeout\": 60, \"code\": " + json(
                "import time\ntime.sleep(3)\nprint('released')") + "}");
        server.send(run("c2", "maker", "print('made')", true));
        assertThat(body(result(server.answer("c2")))).isEqualTo("made\n");
        Map<String, Object> waiter = result(server.answer("c1"));
        assertThat(waiter.get("exc_type")).isNull();
        assertThat(body(waiter)).isEqualTo("released\n");
        assertThat(server.positionOfAnswer("c2")).isLessThan(server.positionOfAnswer("c1"));
    }

    @Test
    void streamingSendsOutputEventsInOrderBeforeTheResult() {
        String code = "import sys\nfor i in range(5):\n    print('line', i, flush=True)\n"
                + "print('to stderr', file=sys.stderr, flush=True)\nprint('end')";
        server.send("{\"id\": \"e1\", \"session\": \"stream\", \"stream\": true, \"code\": " + json(code) + "}");
        Map<String, Object> result = result(server.answer("e1"));
        List<Map<String, Object>> lines = server.linesFor("e1");
        assertThat(lines.get(lines.size() - 1)).containsKey("result");
        List<Map<String, Object>> events = lines.subList(0, lines.size() - 1);
        assertThat(events).isNotEmpty().allSatisfy(e -> {
            assertThat(e.get("event")).isEqualTo("output");
            assertThat(e.get("stream")).isIn("stdout", "stderr");
            assertThat(e.get("text")).isInstanceOf(String.class);
        });
        String all = events.stream().map(e -> (String) e.get("text")).collect(Collectors.joining());
        assertThat(all).isEqualTo(body(result));
        String stderr = events.stream().filter(e -> "stderr".equals(e.get("stream")))
                .map(e -> (String) e.get("text")).collect(Collectors.joining());
        assertThat(stderr).isEqualTo("to stderr\n");
        assertThat(all).startsWith("line 0\nline 1\nline 2\nline 3\nline 4\n").endsWith("end\n");
    }

    @Test
    void lineAndParagraphSeparatorsAreEscapedInEveryAnswerLine() {
        // raw, they are valid JSON, but a client that splits lines as str.splitlines() does
        // would cut the line in two (the client here counts such a line as junk)
        String code = "import sys\nprint('a\\u2028b', flush=True)\nprint('c\\u2029d', file=sys.stderr, flush=True)\n"
                + "raise ValueError('e\\u2028f')";
        server.send("{\"id\": \"sep\\u2028\", \"session\": \"separators\", \"stream\": true, \"code\": " + json(code) + "}");
        Map<String, Object> result = result(server.answer("sep\u2028"));
        assertThat(body(result)).startsWith("a\u2028b\nc\u2029d\n").contains("ValueError: e\u2028f");
        assertThat(server.linesFor("sep\u2028")).hasSizeGreaterThan(1); // the output events too
        assertThat(server.junk()).isEmpty();
    }

    @Test
    void withoutStreamNoEventsAreSent() {
        server.send(run("ne1", "nostream", "print('a'); print('b')", true));
        server.answer("ne1");
        assertThat(server.linesFor("ne1")).hasSize(1);
    }

    @Test
    void interruptStopsTheRunningCodeAtOnceAndKeepsTheSession() {
        server.send(run("i0", "intr", "kept = 'yes'", true));
        server.answer("i0");
        server.send("{\"id\": \"i1\", \"session\": \"intr\", \"reset\": false, \"stream\": true, \"code\": "
                + json("import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.01)") + "}");
        server.await("i1", m -> "output".equals(m.get("event")), "an output event");
        server.send("{\"id\": \"i2\", \"op\": \"interrupt\", \"session\": \"intr\"}");
        assertThat(server.answer("i2")).isEqualTo(Map.of("id", "i2", "ok", true));
        Map<String, Object> interrupted = result(server.answer("i1"));
        assertThat(interrupted.get("exc_type")).isEqualTo("KeyboardInterrupt");
        assertThat(interrupted.get("ending")).isEqualTo("interrupted");
        server.send(run("i3", "intr", "print(kept)", false));
        assertThat(body(result(server.answer("i3")))).isEqualTo("yes\n");
    }

    @Test
    void interruptSentRightAfterTheRunStillReachesIt() {
        server.send("{\"id\": \"ir1\", \"session\": \"intr2\", \"code\": "
                + json("import time\nwhile True:\n    time.sleep(0.01)") + "}");
        server.send("{\"id\": \"ir2\", \"op\": \"interrupt\", \"session\": \"intr2\"}");
        assertThat(server.answer("ir2")).containsEntry("ok", true);
        assertThat(result(server.answer("ir1")).get("ending")).isEqualTo("interrupted");
    }

    @Test
    void interruptOfAnIdleOrUnknownSessionIsOk() {
        server.send("{\"id\": \"iu\", \"op\": \"interrupt\", \"session\": \"nobody-here\"}");
        assertThat(server.answer("iu")).containsEntry("ok", true);
    }

    @Test
    void timeoutIsSecondsAndMayBeFractional() {
        server.send("{\"id\": \"t1\", \"session\": \"slow\", \"timeout\": 0.5, \"code\": "
                + json("import time\nwhile True:\n    time.sleep(0.01)") + "}");
        Map<String, Object> result = result(server.answer("t1"));
        assertThat(result.get("exc_type")).isEqualTo("TimeoutError");
        assertThat(last(result)).startsWith("TimeoutError: Execution exceeded the time limit of");
    }

    @Test
    void closeEndsTheSessionAfterItsQueuedRuns() {
        server.send(run("cl1", "closing", "z = 1", true));
        server.send(run("cl2", "closing", "import time; time.sleep(0.2); print(z)", false));
        server.send("{\"id\": \"cl3\", \"op\": \"close\", \"session\": \"closing\"}");
        server.send(run("cl4", "closing", "print(z)", false));
        assertThat(body(result(server.answer("cl2")))).isEqualTo("1\n");
        assertThat(server.answer("cl3")).isEqualTo(Map.of("id", "cl3", "ok", true));
        assertThat(result(server.answer("cl4")).get("exc_type")).isEqualTo("NameError");
        server.send("{\"id\": \"cl5\", \"op\": \"close\", \"session\": \"never-opened\"}");
        assertThat(server.answer("cl5")).containsEntry("ok", true);
    }

    @Test
    void outputWrittenAtTheFileDescriptorLevelStaysOutOfTheProtocol() {
        server.send(run("fd1", "fd", "import os, subprocess\nos.write(1, b'raw fd\\n')\n"
                + "subprocess.run(['echo', 'from-child'])\nprint('not json {')", true));
        String body = body(result(server.answer("fd1")));
        assertThat(body).contains("raw fd\n", "from-child\n", "not json {\n");
        assertThat(server.junk()).isEmpty();
    }

    @Test
    void exceptionsAreResultsWithTheirTraceback() {
        server.send(run("x1", "exc", "def f():\n    return 1 / 0\nf()", true));
        Map<String, Object> result = result(server.answer("x1"));
        assertThat(result.get("exc_type")).isEqualTo("ZeroDivisionError");
        assertThat(body(result)).contains("Traceback (most recent call last):", "ZeroDivisionError: division by zero");
        assertThat(result.get("ending")).isEqualTo("raised");
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void invalidJsonGetsAnErrorLineAndServingGoesOn() {
        server.send("{\"op\": \"ping\", ");
        assertError(null, "bad_request", "invalid JSON");
        server.send("{\"id\": \"bj1\", \"code\": \"1\"");
        assertError("bj1", "bad_request", "invalid JSON");
        server.send("not json at all");
        assertError(null, "bad_request", null);
        server.send("{\"id\": \"bj2\", \"op\": \"ping\"} {\"id\": \"bj3\"}");
        assertError("bj2", "bad_request", "trailing");
        assertStillServing("bj-after");
    }

    @Test
    void aNonObjectGetsAnErrorLine() {
        for (String line : List.of("[1, 2]", "\"run\"", "42", "null", "true")) {
            server.send(line);
            assertError(null, "bad_request", "must be a JSON object");
        }
        assertStillServing("no-after");
    }

    @Test
    void missingOrIllTypedFieldsGetErrorLinesNamingTheField() {
        server.send("{\"id\": \"f1\", \"op\": \"run\"}");
        assertError("f1", "bad_request", "field 'code' is required for op 'run'");
        server.send("{\"id\": \"f2\", \"code\": 5}");
        assertError("f2", "bad_request", "field 'code' must be a string");
        server.send("{\"id\": \"f3\", \"code\": \"1\", \"reset\": \"yes\"}");
        assertError("f3", "bad_request", "field 'reset'");
        server.send("{\"id\": \"f4\", \"code\": \"1\", \"stream\": 1}");
        assertError("f4", "bad_request", "field 'stream'");
        server.send("{\"id\": \"f5\", \"code\": \"1\", \"timeout\": \"2\"}");
        assertError("f5", "bad_request", "field 'timeout'");
        server.send("{\"id\": \"f6\", \"code\": \"1\", \"timeout\": 0}");
        assertError("f6", "bad_request", "field 'timeout'");
        server.send("{\"id\": \"f7\", \"code\": \"1\", \"timeout\": -3}");
        assertError("f7", "bad_request", "field 'timeout'");
        server.send("{\"id\": \"f8\", \"code\": \"1\", \"session\": 3}");
        assertError("f8", "bad_request", "field 'session'");
        server.send("{\"id\": \"f9\", \"code\": \"1\", \"session\": \"  \"}");
        assertError("f9", "bad_request", "field 'session'");
        server.send("{\"id\": \"f10\", \"op\": 7}");
        assertError("f10", "bad_request", "field 'op'");
        server.send("{\"id\": true, \"op\": \"ping\"}");
        assertError(null, "bad_request", "field 'id'");
        server.send("{\"id\": {\"a\": 1}, \"op\": \"ping\"}");
        assertError(null, "bad_request", "field 'id'");
        server.send("{\"id\": \"f11\", \"op\": \"ping\", \"op\": \"run\"}");
        assertError("f11", "bad_request", "Duplicate field");
        assertStillServing("f-after");
    }

    @Test
    void unknownOpGetsUnknownOp() {
        server.send("{\"id\": \"u1\", \"op\": \"dance\"}");
        assertError("u1", "unknown_op", "dance");
        assertStillServing("u-after");
    }

    @Test
    void binaryJunkAndInvalidUtf8GetErrorLines() {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        for (int i = 0; i < junk.length; i++) {
            if (junk[i] == '\n') {
                junk[i] = 0;
            }
        }
        server.sendBytes(concat(junk, "\n".getBytes(StandardCharsets.UTF_8)));
        assertError(null, "bad_request", null);
        server.sendBytes(concat("{\"id\": \"b2\", \"code\": \"print('".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, (byte) 0xfe}, "')\"}\n".getBytes(StandardCharsets.UTF_8)));
        assertError(null, "bad_request", "UTF-8");
        server.sendBytes(new byte[] {0, 1, 2, 3, '\n'});
        assertError(null, "bad_request", null);
        assertStillServing("b-after");
    }

    @Test
    void aTwentyMegabyteLineIsServedWhenValidAndRejectedWhenJunk() {
        int n = 20 << 20;
        String big = "x".repeat(n);
        server.send("{\"id\": \"big1\", \"session\": \"big\", \"code\": \"s = '" + big + "'\\nprint(len(s))\"}");
        assertThat(body(result(server.answer("big1")))).isEqualTo(n + "\n");
        server.send("{\"id\": \"big2\", \"code\": " + big + "}");
        assertError("big2", "bad_request", "invalid JSON");
        server.send(big);
        assertError(null, "bad_request", "invalid JSON");
        assertStillServing("big-after");
    }

    @Test
    void aLineOverTheLimitIsReadThroughAndRejected() {
        byte[] huge = new byte[(64 << 20) + 10];
        Arrays.fill(huge, (byte) 'y');
        huge[huge.length - 1] = '\n';
        server.sendBytes(huge);
        assertError(null, "too_large", "limit");
        // a client that writes the id first is answered with it: it waits for that id
        byte[] start = "{\"id\": \"huge-2\", \"code\": \"".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(start, 0, huge, 0, start.length);
        server.sendBytes(huge);
        assertError("huge-2", "too_large", "limit");
        assertStillServing("huge-after");
    }

    @Test
    void blankLinesAreIgnored() {
        server.send("");
        server.send("   \r");
        assertStillServing("blank-after");
    }

    // ------------------------------------------------------------------ helpers

    private int errorsSeen;

    private void assertError(String id, String code, String messagePart) {
        Map<String, Object> answer;
        if (id == null) {
            // errors without an id arrive in the order of the bad lines
            answer = server.nth(null, errorsSeen++);
        } else {
            answer = server.answer(id);
        }
        assertThat(answer).containsKey("error").containsEntry("id", id);
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) answer.get("error");
        assertThat(error.get("code")).isEqualTo(code);
        assertThat(error.get("message")).isInstanceOf(String.class);
        if (messagePart != null) {
            assertThat((String) error.get("message")).contains(messagePart);
        }
    }

    private void assertStillServing(String id) {
        server.send("{\"id\": \"" + id + "\", \"op\": \"ping\"}");
        assertThat(server.answer(id)).containsEntry("ok", true);
    }

    private static String run(Object id, String session, String code, boolean reset) {
        return "{\"id\": " + (id instanceof String ? json((String) id) : id) + ", \"op\": \"run\", \"session\": "
                + json(session) + ", \"reset\": " + reset + ", \"code\": " + json(code) + "}";
    }

    private static String run(String id, String session, String code, boolean reset) {
        return run((Object) id, session, code, reset);
    }

    static String json(String s) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result(Map<String, Object> answer) {
        assertThat(answer).as("answer %s", answer).containsKey("result");
        return (Map<String, Object>) answer.get("result");
    }

    @SuppressWarnings("unchecked")
    static String body(Map<String, Object> result) {
        List<String> termOut = (List<String>) result.get("term_out");
        return String.join("", termOut.subList(0, termOut.size() - 1));
    }

    @SuppressWarnings("unchecked")
    static String last(Map<String, Object> result) {
        List<String> termOut = (List<String>) result.get("term_out");
        return termOut.get(termOut.size() - 1);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
