package org.pyexec4j.cli.stdio;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.pyexec4j.Interpreter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the server's own request path (parsing, session queues, warm and fresh runs,
 * exceptions, streaming, bad lines, answer lines) a few hundred requests before it reads its
 * first real one, so the JVM has compiled that path: a cold JVM answers several times
 * slower than a warm one. Runs in two sessions of its own, which it closes; the answers go
 * nowhere. Bounded by a time budget, and by a limit per batch should the engine not answer.
 */
final class ServerWarmUp {
    private static final Logger log = LoggerFactory.getLogger(ServerWarmUp.class);
    private static final int MAX_BATCHES = 400;
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(10);
    private static final String WARM = "pyexec4j-warm-up-1";
    private static final String FRESH = "pyexec4j-warm-up-2";

    private ServerWarmUp() {
    }

    /** Serves warm-up batches until the budget is spent; the interpreter stays open. */
    static void run(Interpreter py, Duration budget, int maxLineBytes) {
        long start = System.nanoTime();
        AnswerCounter answers = new AnswerCounter();
        BatchInput input = new BatchInput(answers, start + budget.toNanos());
        new StdioServer(py, input, answers, maxLineBytes).serveUntilEnd();
        log.debug("warm-up: {} batches, {} answers in {} ms", input.batches, answers.lines(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** One batch: the kinds of requests a real client sends, in the proportions of a busy one. */
    private static String batch(int n) {
        StringBuilder b = new StringBuilder(2048);
        for (int i = 0; i < 4; i++) {
            b.append("{\"id\":").append(n * 100 + i).append(",\"op\":\"ping\"}\n");
        }
        for (int i = 0; i < 10; i++) {
            b.append("{\"id\":").append(n * 100 + 10 + i).append(",\"session\":\"").append(WARM)
                    .append("\",\"code\":\"print('hello')\",\"reset\":false}\n");
        }
        b.append("{\"id\":\"s").append(n).append("\",\"session\":\"").append(WARM)
                .append("\",\"code\":\"for i in range(3):\\n    print(i)\",\"reset\":false,\"stream\":true}\n");
        for (int i = 0; i < 3; i++) {
            b.append("{\"id\":").append(n * 100 + 30 + i).append(",\"session\":\"").append(WARM)
                    .append("\",\"code\":\"def f(x):\\n    return x / 0\\n\\nf(1)\",\"reset\":false}\n");
        }
        b.append("{\"id\":").append(n * 100 + 40).append(",\"session\":\"").append(FRESH)
                .append("\",\"code\":\"print('hello')\",\"reset\":true,\"timeout\":30}\n");
        b.append("{\"id\":").append(n * 100 + 41).append(",\"op\":\"interrupt\",\"session\":\"")
                .append(FRESH).append("-idle\"}\n");
        b.append("{\"id\":").append(n * 100 + 42).append(",\"op\":\"unknown\"}\n");
        b.append("not json\n");
        return b.toString();
    }

    private static int lineCount(String text) {
        return (int) text.chars().filter(c -> c == '\n').count();
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
        private byte[] current = new byte[0];
        private int pos;
        private long expected;
        private int batches;
        private boolean closing;
        private boolean over;

        BatchInput(AnswerCounter answers, long deadlineNanos) {
            this.answers = answers;
            this.deadlineNanos = deadlineNanos;
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
            if (answered && !closing && batches < MAX_BATCHES && System.nanoTime() < deadlineNanos) {
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
