package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.pyexec4j.cli.TestJson;

/**
 * A real {@code pyexec4j stdio} process started from the test classpath, and a client for it:
 * every stdout line is parsed as it arrives (so a line that is not one JSON object fails the
 * test), and answers are looked up by id.
 */
final class StdioClient implements AutoCloseable {
    /** Generous: runs here take milliseconds, but a loaded CI machine may be slow. */
    static final Duration WAIT = Duration.ofSeconds(90);

    private final Process process;
    private final OutputStream stdin;
    private final Path stderrLog;
    private final Thread reader;
    private final List<Map<String, Object>> lines = new ArrayList<>();
    private final List<String> junk = new ArrayList<>();

    StdioClient(String... options) throws IOException {
        stderrLog = Files.createTempFile("pyexec4j-stdio-", ".log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "org.pyexec4j.cli.Main", "stdio"));
        if (!List.of(options).contains("--warm-up")) {
            cmd.addAll(List.of("--warm-up", "0")); // tests want answers, not a JIT at its best
        }
        cmd.addAll(List.of(options));
        process = new ProcessBuilder(cmd)
                .redirectError(stderrLog.toFile())
                .start();
        stdin = process.getOutputStream();
        reader = new Thread(this::readAll, "stdio-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    Process process() {
        return process;
    }

    private void readAll() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                Map<String, Object> obj;
                try {
                    if (line.indexOf('\u2028') >= 0 || line.indexOf('\u2029') >= 0) {
                        // a reader that ends lines at them too (str.splitlines) would cut it
                        throw new IllegalArgumentException("a raw U+2028 or U+2029");
                    }
                    obj = TestJson.object(line);
                } catch (RuntimeException e) {
                    synchronized (this) {
                        junk.add(line.length() > 200 ? line.substring(0, 200) : line);
                        notifyAll();
                    }
                    continue;
                }
                synchronized (this) {
                    lines.add(obj);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Sends one line (a newline is added). */
    void send(String line) {
        sendBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) {
        try {
            stdin.write(bytes);
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends stdin: the server finishes what it received and exits. */
    void endInput() throws IOException {
        stdin.close();
    }

    /** The final answer (result, ok or error line) for an id, waiting for it. */
    Map<String, Object> answer(Object id) {
        return await(id, m -> !m.containsKey("event"), "an answer");
    }

    /** Where the final answer of an id stands among all lines received so far (-1 if none yet). */
    synchronized int positionOfAnswer(Object id) {
        for (int i = 0; i < lines.size(); i++) {
            Map<String, Object> m = lines.get(i);
            if (java.util.Objects.equals(m.get("id"), id) && !m.containsKey("event")) {
                return i;
            }
        }
        return -1;
    }

    /** Every line seen so far for an id (events and answers), in arrival order. */
    synchronized List<Map<String, Object>> linesFor(Object id) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> m : lines) {
            if (sameId(m.get("id"), id)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Waits for the first line for the id that matches. */
    synchronized Map<String, Object> await(Object id, java.util.function.Predicate<Map<String, Object>> match,
                                           String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            for (Map<String, Object> m : lines) {
                if (sameId(m.get("id"), id) && match.test(m)) {
                    return m;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                throw new AssertionError("no " + what + " for id " + id + " within " + WAIT.toSeconds()
                        + " s; lines: " + lines.size() + ", process alive: " + process.isAlive() + "; stderr: "
                        + stderrTail());
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** The n-th line (from 0) for an id, waiting for it. */
    synchronized Map<String, Object> nth(Object id, int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<Map<String, Object>> seen = linesFor(id);
            if (seen.size() > n) {
                return seen.get(n);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                throw new AssertionError("no line #" + n + " for id " + id + " within " + WAIT.toSeconds()
                        + " s; stderr: " + stderrTail());
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Lines on stdout that were not one JSON object. */
    synchronized List<String> junk() {
        return new ArrayList<>(junk);
    }

    synchronized List<Map<String, Object>> allLines() {
        return new ArrayList<>(lines);
    }

    String stderrTail() {
        try {
            String s = Files.readString(stderrLog, StandardCharsets.UTF_8);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(cannot read the log: " + e + ")";
        }
    }

    /** Waits for the process to exit after the end of input. */
    int waitForExit() throws InterruptedException {
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
                .as("stdio process exits after the end of its input; stderr: %s", stderrTail())
                .isTrue();
        reader.join(WAIT.toMillis());
        return process.exitValue();
    }

    private static boolean sameId(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return a == null ? b == null : a.equals(b);
    }

    @Override
    public void close() throws IOException {
        try {
            stdin.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Files.deleteIfExists(stderrLog);
    }
}
