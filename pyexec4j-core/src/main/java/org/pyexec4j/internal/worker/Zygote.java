package org.pyexec4j.internal.worker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.internal.wire.Json;
import org.pyexec4j.internal.wire.WireCodec;
import org.pyexec4j.internal.wire.ZygoteMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the zygote: the warm Python process that session workers are forked from. It
 * reports how each worker ended and kills a worker's whole process tree on request; it
 * ends every worker when its stdin closes, which is also what happens when the JVM dies.
 */
public final class Zygote implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Zygote.class);
    /** The first line a worker writes to the log when the engine fails in it. */
    private static final Pattern WORKER_FAILED = Pattern.compile("worker \\S+ failed: ");
    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static final int MAX_LOG_LINE = 8 << 10;

    private final Process process;
    private final OutputStream commands;
    private final Thread replyReader;
    private final Thread logReader;
    private final CompletableFuture<ZygoteMessage.Hello> hello = new CompletableFuture<>();
    private final Map<String, CompletableFuture<Long>> forks = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ZygoteMessage.Exited>> exits = new ConcurrentHashMap<>();
    private final List<String> recentLog = new ArrayList<>();
    private final CompletableFuture<Void> replies = new CompletableFuture<>();
    private final String name;

    private Zygote(Process process, String name) {
        this.process = process;
        this.name = name;
        this.commands = process.getOutputStream();
        this.replyReader = new Thread(this::readReplies, name + "-replies");
        this.logReader = new Thread(this::readLog, name + "-stderr");
        replyReader.setDaemon(true);
        logReader.setDaemon(true);
    }

    /** Starts a zygote and waits for its hello; {@code environment} null inherits the JVM's. */
    public static Zygote start(List<String> command, Path dir, Map<String, String> environment, String name) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        if (environment != null) { // an allow-list: nothing of the JVM's environment passes unless listed
            pb.environment().clear();
            pb.environment().putAll(environment);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new PyExec4jException("cannot start the Python worker (" + String.join(" ", command) + "): "
                    + e.getMessage(), e);
        }
        Zygote z = new Zygote(p, name);
        z.replyReader.start();
        z.logReader.start();
        try {
            ZygoteMessage.Hello h = z.hello.get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!WorkerScript.PROTOCOL_VERSION.equals(h.version())) {
                z.close();
                throw new PyExec4jException("worker.py speaks protocol " + h.version() + " but this pyexec4j expects "
                        + WorkerScript.PROTOCOL_VERSION + ": the jar is inconsistent; rebuild pyexec4j-core");
            }
            return z;
        } catch (ExecutionException | TimeoutException e) {
            z.close();
            throw new PyExec4jException("the Python worker (" + String.join(" ", command) + ") did not start within "
                    + START_LIMIT.toSeconds() + " s; exit code " + (p.isAlive() ? "none (still running)" : p.exitValue())
                    + "; its stderr: " + z.recentLog(), e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            z.close();
            throw new PyExec4jException("interrupted while starting the Python worker", e);
        }
    }

    public ZygoteMessage.Hello hello() {
        return hello.join();
    }

    public boolean isAlive() {
        return process.isAlive() && !replies.isDone();
    }

    /** Asks for a new worker; the future completes with its pid. */
    public CompletableFuture<Long> fork(String workerId, Map<String, Object> options) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        forks.put(workerId, f);
        exits.put(workerId, new CompletableFuture<>());
        Map<String, Object> msg = WireCodec.fields("op", "fork", "id", workerId);
        msg.putAll(options);
        if (!send(msg)) {
            forks.remove(workerId);
            f.completeExceptionally(new PyExec4jException("the zygote process (pid " + process.pid()
                    + ") is gone; its stderr: " + recentLog()));
        }
        return f;
    }

    /** Completes when the worker has ended, with how it ended. */
    public CompletableFuture<ZygoteMessage.Exited> exitOf(String workerId) {
        return exits.computeIfAbsent(workerId, k -> new CompletableFuture<>());
    }

    /** How the worker ended, when that was said already; null otherwise (nothing is kept for asking). */
    public ZygoteMessage.Exited exitIfKnown(String workerId) {
        CompletableFuture<ZygoteMessage.Exited> exit = exits.get(workerId);
        return exit == null ? null : exit.getNow(null);
    }

    /** The worker's owner is done with it: drop what is kept about it. */
    public void forget(String workerId) {
        exits.remove(workerId);
    }

    /** Stops and kills the worker's whole process tree. */
    public boolean kill(String workerId) {
        return send(WireCodec.fields("op", "kill", "id", workerId));
    }

    /** Sends a worker SIGINT, from outside it (see WorkerProcess's INTERRUPT_FROM_OUTSIDE_AFTER). */
    public boolean interrupt(String workerId) {
        return send(WireCodec.fields("op", "interrupt", "id", workerId));
    }

    private synchronized boolean send(Map<String, Object> msg) {
        try {
            commands.write(WireCodec.line(msg));
            commands.flush();
            return true;
        } catch (IOException e) {
            LOG.debug("{}: cannot send {}: {}", name, msg.get("op"), e.toString());
            return false;
        }
    }

    private void readReplies() {
        try (JsonParser p = Json.FACTORY.createParser(process.getInputStream())) {
            ZygoteMessage m;
            while ((m = WireCodec.readZygote(p)) != null) {
                if (m instanceof ZygoteMessage.Hello h) {
                    hello.complete(h);
                } else if (m instanceof ZygoteMessage.Forked f) {
                    CompletableFuture<Long> fut = forks.remove(f.workerId());
                    if (fut != null) {
                        fut.complete(f.pid());
                    }
                } else if (m instanceof ZygoteMessage.Exited x) {
                    // not exitOf: a worker forgotten already (its owner gave up waiting) stays so
                    CompletableFuture<ZygoteMessage.Exited> exit = exits.get(x.workerId());
                    if (exit != null) {
                        exit.complete(x);
                    }
                } else if (m instanceof ZygoteMessage.Failure fail) {
                    LOG.warn("{}: {}", name, fail.message());
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: reply stream ended: {}", name, e.toString());
        } finally {
            replies.complete(null);
            PyExec4jException gone = new PyExec4jException("the zygote process (pid " + process.pid()
                    + ") ended; its stderr: " + recentLog());
            hello.completeExceptionally(gone);
            forks.values().forEach(f -> f.completeExceptionally(gone));
        }
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = boundedLine(r)) != null) {
                synchronized (recentLog) {
                    recentLog.add(line);
                    if (recentLog.size() > 40) {
                        recentLog.remove(0);
                    }
                }
                if (WORKER_FAILED.matcher(line).lookingAt()) {
                    LOG.warn("{}: {} (the traceback follows at debug level)", name, line);
                } else {
                    LOG.debug("{} stderr: {}", name, line);
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: stderr ended: {}", name, e.toString());
        }
    }

    /**
     * The next line, its first {@link #MAX_LOG_LINE} characters when longer (a preloaded module
     * that prints a flood without a newline must not fill the heap); null at the end.
     */
    private static String boundedLine(BufferedReader r) throws IOException {
        StringBuilder line = new StringBuilder();
        long cut = 0;
        int c;
        while ((c = r.read()) >= 0 && c != '\n') {
            if (line.length() < MAX_LOG_LINE) {
                line.append((char) c);
            } else {
                cut++;
            }
        }
        if (c < 0 && line.length() == 0) {
            return null;
        }
        return cut == 0 ? line.toString() : line + " [" + cut + " more characters left out]";
    }

    /** The last lines the zygote and workers not yet connected wrote to the zygote's stderr (engine errors). */
    public String recentLog() {
        synchronized (recentLog) {
            return recentLog.isEmpty() ? "(empty)" : String.join(" | ", recentLog);
        }
    }

    /** Closes its stdin (it kills every worker and exits), then waits, then kills it. */
    @Override
    public void close() {
        try {
            commands.close();
        } catch (IOException e) {
            LOG.debug("{}: closing stdin: {}", name, e.toString());
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("{} did not exit within 5 s of its stdin closing; killing it", name);
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            replyReader.join(2000);
            logReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
