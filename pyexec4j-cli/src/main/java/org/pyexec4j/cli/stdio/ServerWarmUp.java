package org.pyexec4j.cli.stdio;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.pyexec4j.Interpreter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the server's own request path (parsing, session queues, warm and fresh runs,
 * exceptions, streaming, a bigger output, bad lines, answer lines) batches of requests
 * before it reads its first real one, until the JIT compiler has gone quiet: a cold JVM
 * answers several times slower than a warm one, and a compiler still busy takes a core from
 * the first real runs. Runs in two sessions of its own, which it closes; the answers go
 * nowhere. Bounded by a time budget, and by a limit per batch should the engine not answer.
 */
final class ServerWarmUp {
    private static final Logger log = LoggerFactory.getLogger(ServerWarmUp.class);
    private static final int MAX_BATCHES = 2000;
    /** Batches served before the compiler's quiet counts: it starts compiling after a while. */
    private static final int MIN_BATCHES = 40;
    /** The compiler is quiet when it compiled for less than this during the last window. */
    private static final long QUIET_COMPILE_MILLIS = 50;
    private static final Duration QUIET_WINDOW = Duration.ofSeconds(1);
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(10);
    private static final String WARM = "pyexec4j-warm-up-1";
    private static final String FRESH = "pyexec4j-warm-up-2";
    /** Opened and closed again now and then: the paths of a new session and of a close. */
    private static final String BRIEF = "pyexec4j-warm-up-3";
    private static final String HELLO = "\"code\":\"print('hello')\"";
    private static final String RAISES = "\"code\":\"def f(x):\\n    return x / 0\\n\\nf(1)\"";
    private static final String STREAMS = "\"code\":\"for i in range(3):\\n    print(i)\",\"stream\":true";
    private static final String WRITES_MORE = "\"code\":\"import sys\\nfor i in range(2000):\\n    print(i, 'x' * 60)\\n"
            + "sys.stdout.write('y' * 300000)\"";

    private ServerWarmUp() {
    }

    /** Serves warm-up batches until the compiler is quiet or the budget is spent; the interpreter stays open. */
    static void run(Interpreter py, Duration budget, int maxLineBytes) {
        long start = System.nanoTime();
        AnswerCounter answers = new AnswerCounter();
        BatchInput input = new BatchInput(answers, start + budget.toNanos(), new CompilerWatch());
        // answers go through the buffer the real server's go through: code compiled for a
        // stream of another class is thrown away and compiled again at the first real answers
        new StdioServer(py, input, new BufferedOutputStream(answers, 1 << 16), maxLineBytes).serveUntilEnd();
        log.debug("warm-up: {} batches, {} answers in {} ms", input.batches, answers.lines(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** One batch: the kinds of requests a real client sends. */
    private static String batch(int n) {
        StringBuilder b = new StringBuilder(4096);
        for (int i = 0; i < 4; i++) {
            b.append("{\"id\":").append(n * 100 + i).append(",\"op\":\"ping\"}\n");
        }
        for (int i = 0; i < 10; i++) {
            run(b, Integer.toString(n * 100 + 10 + i), WARM, HELLO, false);
        }
        run(b, "\"s" + n + "\"", WARM, STREAMS, false);
        if (n % 8 == 0) {
            run(b, Integer.toString(n * 100 + 29), WARM, WRITES_MORE, false);
        }
        for (int i = 0; i < 3; i++) {
            run(b, Integer.toString(n * 100 + 30 + i), WARM, RAISES, false);
        }
        run(b, Integer.toString(n * 100 + 40), FRESH, HELLO, true);
        if (n % 4 == 0) {
            // compiled only at the end otherwise, where closing the warm-up's sessions had
            // code compiled for the batches thrown away just as the real requests began
            run(b, Integer.toString(n * 100 + 41), BRIEF, HELLO, true);
            b.append("{\"id\":").append(n * 100 + 42).append(",\"op\":\"close\",\"session\":\"")
                    .append(BRIEF).append("\"}\n");
        }
        b.append("{\"id\":").append(n * 100 + 50).append(",\"op\":\"interrupt\",\"session\":\"")
                .append(FRESH).append("-idle\"}\n");
        b.append("{\"id\":").append(n * 100 + 51).append(",\"op\":\"unknown\"}\n");
        b.append("not json\n");
        return b.toString();
    }

    private static void run(StringBuilder b, String id, String session, String code, boolean reset) {
        b.append("{\"id\":").append(id).append(",\"session\":\"").append(session).append("\",").append(code)
                .append(",\"reset\":").append(reset).append("}\n");
    }

    private static int lineCount(String text) {
        return (int) text.chars().filter(c -> c == '\n').count();
    }

    /** Whether the JIT compiler has gone quiet: little compiling during the last window. */
    private static final class CompilerWatch {
        private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        private long windowStartNanos = System.nanoTime();
        private long windowStartMillis = compileMillis();

        boolean quiet() {
            if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
                return false; // then the budget decides
            }
            long now = System.nanoTime();
            if (now - windowStartNanos < QUIET_WINDOW.toNanos()) {
                return false;
            }
            long compiled = compileMillis() - windowStartMillis;
            log.debug("warm-up: compiled {} ms in the last window", compiled);
            windowStartNanos = now;
            windowStartMillis = compileMillis();
            return compiled < QUIET_COMPILE_MILLIS;
        }

        private long compileMillis() {
            return compiler == null || !compiler.isCompilationTimeMonitoringSupported()
                    ? 0 : compiler.getTotalCompilationTime();
        }
    }

    /** Counts answer lines (events count too: they only make a batch look done sooner). */
    private static final class AnswerCounter extends OutputStream {
        private long lines;

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines++;
                notifyAll();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lines++;
                }
            }
            notifyAll();
        }

        synchronized long lines() {
            return lines;
        }

        /** Waits until {@code count} lines were written; false after the limit. */
        synchronized boolean awaitLines(long count, long limitNanos) throws InterruptedException {
            long end = System.nanoTime() + limitNanos;
            while (lines < count) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** The next batch once the last one is answered; the closing requests at the end. */
    private static final class BatchInput extends InputStream {
        private final AnswerCounter answers;
        private final long deadlineNanos;
        private final CompilerWatch compiler;
        private byte[] current = new byte[0];
        private int pos;
        private long expected;
        private int batches;
        private boolean closing;
        private boolean over;

        BatchInput(AnswerCounter answers, long deadlineNanos, CompilerWatch compiler) {
            this.answers = answers;
            this.deadlineNanos = deadlineNanos;
            this.compiler = compiler;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == current.length && !next()) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean next() {
            if (over) {
                return false;
            }
            boolean answered;
            try {
                answered = answers.awaitLines(expected, BATCH_LIMIT.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answered = false;
            }
            String text;
            if (answered && !closing && batches < MAX_BATCHES && System.nanoTime() < deadlineNanos
                    && !(batches >= MIN_BATCHES && compiler.quiet())) {
                text = batch(batches++);
            } else if (!closing) {
                closing = true;
                text = "{\"id\":\"c1\",\"op\":\"close\",\"session\":\"" + WARM + "\"}\n"
                        + "{\"id\":\"c2\",\"op\":\"close\",\"session\":\"" + FRESH + "\"}\n";
            } else {
                over = true;
                return false;
            }
            current = text.getBytes(StandardCharsets.UTF_8);
            pos = 0;
            expected += lineCount(text);
            return true;
        }
    }
}
