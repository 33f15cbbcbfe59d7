package org.pyexec4j.differential;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The corpus run through the reference: one {@code reference_driver.py} process for all
 * cases, started at once and read in the background while pyexec4j runs the same cases.
 */
final class ReferenceRun implements AutoCloseable {
    static final Path PYTHON = Paths.get("/usr/bin/python3");
    private static final String DRIVER = "/differential/reference_driver.py";
    /** The whole corpus takes the reference about 20 s; one case at most about 15 s. */
    private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(120);

    /** The reference's results for one case: one JSON object per step, and its working dir. */
    record CaseResult(String workdir, List<Map<String, Object>> steps) {}

    private final Process process;
    private final Path stderrLog;
    private final String engineFile;
    private final String pythonVersion;
    private final Map<String, CompletableFuture<CaseResult>> results = new LinkedHashMap<>();
    private final Thread reader;

    private ReferenceRun(Process process, Path stderrLog, String engineFile, String pythonVersion,
                         List<Corpus.Case> cases, BufferedReader lines) {
        this.process = process;
        this.stderrLog = stderrLog;
        this.engineFile = engineFile;
        this.pythonVersion = pythonVersion;
        for (Corpus.Case c : cases) {
            results.put(c.name(), new CompletableFuture<>());
        }
        this.reader = new Thread(() -> readResults(lines), "pyexec4j-differential-reference-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Finds the project's {@code shared/} folder: {@code ../shared} relative to the repository
     * root, the nearest folder above the working directory whose {@code pom.xml} is the
     * {@code pyexec4j-parent} aggregator.
     */
    static Optional<Path> sharedDir() {
        String property = System.getProperty("maven.multiModuleProjectDirectory");
        List<Path> starts = new ArrayList<>();
        if (property != null && !property.isBlank()) {
            starts.add(Paths.get(property));
        }
        starts.add(Paths.get(System.getProperty("user.dir")));
        for (Path start : starts) {
            for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
                if (isRepositoryRoot(dir)) {
                    return Optional.of(dir.resolveSibling("shared"));
                }
            }
        }
        Path parent = Paths.get(System.getProperty("user.dir")).toAbsolutePath().getParent();
        return parent == null ? Optional.empty() : Optional.of(parent.resolveSibling("shared"));
    }

    private static boolean isRepositoryRoot(Path dir) {
        Path pom = dir.resolve("pom.xml");
        if (!Files.isRegularFile(pom)) {
            return false;
        }
        try {
            String text = Files.readString(pom);
            return text.contains("<artifactId>pyexec4j-parent</artifactId>") && text.contains("<modules>");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts the driver and waits for its greeting.
     *
     * @return the running reference, or why it cannot run here (for an assumption)
     */
    static Startup start(Path shared, List<Corpus.Case> cases) throws IOException {
        if (!Files.isExecutable(PYTHON)) {
            return Startup.unavailable(PYTHON + " is not an executable: the reference needs Debian's python3"
                    + " with python3-humanize and python3-dataclasses-json");
        }
        if (!Files.isRegularFile(shared.resolve("seed").resolve("interpreter.py"))) {
            return Startup.unavailable("the reference " + shared.resolve("seed/interpreter.py") + " is missing"
                    + " (shared/ is looked up as ../shared from the repository root)");
        }
        Path driver = resource(DRIVER);
        Path stderrLog = Files.createTempFile("pyexec4j-reference-driver-", ".log");
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), driver.toString(), shared.toString())
                .redirectError(stderrLog.toFile());
        pb.environment().put("PYTHONIOENCODING", "utf-8");
        pb.environment().remove("PYTHONPATH");
        Process process = pb.start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(JsonValues.write(Map.of("cases", casesJson(cases))).getBytes(StandardCharsets.UTF_8));
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String first = lines.readLine();
        if (first == null) {
            int code = waitQuietly(process);
            String log = tail(stderrLog);
            Files.deleteIfExists(stderrLog);
            throw new IllegalStateException("the reference driver " + driver + " exited (code " + code
                    + ") before greeting; its stderr:\n" + log);
        }
        Map<String, Object> hello = JsonValues.parseObject(first);
        if ("unavailable".equals(hello.get("t"))) {
            waitQuietly(process);
            Files.deleteIfExists(stderrLog);
            return Startup.unavailable(String.valueOf(hello.get("reason")));
        }
        return new Startup(new ReferenceRun(process, stderrLog, (String) hello.get("engine_file"),
                (String) hello.get("python"), cases, lines), null);
    }

    /** The driver started, or the reason it cannot run on this machine. */
    record Startup(ReferenceRun run, String unavailableReason) {
        static Startup unavailable(String reason) {
            return new Startup(null, reason);
        }
    }

    /** The file name of the reference's own code in its tracebacks (its engine frames). */
    String engineFile() {
        return engineFile;
    }

    String pythonVersion() {
        return pythonVersion;
    }

    /**
     * Waits for the reference's result of a case. The driver runs the cases in order; if it
     * is stuck, it is killed, so that the remaining cases fail at once instead of each waiting.
     */
    CaseResult result(String caseName) throws Exception {
        CompletableFuture<CaseResult> f = results.get(caseName);
        if (f == null) {
            throw new IllegalArgumentException("no case named " + caseName);
        }
        try {
            return f.get(RESULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("no result from the reference driver for case '" + caseName
                    + "' within " + RESULT_TIMEOUT.toSeconds() + " s; killed it. Its stderr:\n" + tail(stderrLog), e);
        }
    }

    @SuppressWarnings("unchecked")
    private void readResults(BufferedReader lines) {
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                Map<String, Object> msg = JsonValues.parseObject(line);
                if ("case".equals(msg.get("t"))) {
                    CompletableFuture<CaseResult> f = results.get((String) msg.get("name"));
                    if (f != null) {
                        f.complete(new CaseResult((String) msg.get("workdir"),
                                (List<Map<String, Object>>) msg.get("steps")));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failPending("reading the reference driver's results failed: " + e);
        }
        int code = waitQuietly(process);
        failPending("the reference driver ended (exit code " + code + ") without a result for this case;"
                + " its stderr:\n" + tail(stderrLog));
    }

    private void failPending(String message) {
        for (CompletableFuture<CaseResult> f : results.values()) {
            f.completeExceptionally(new IllegalStateException(message));
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        Files.deleteIfExists(stderrLog);
    }

    private static List<Object> casesJson(List<Corpus.Case> cases) {
        List<Object> out = new ArrayList<>();
        for (Corpus.Case c : cases) {
            List<Object> steps = new ArrayList<>();
            for (Corpus.Step s : c.steps()) {
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("code", s.code());
                step.put("reset", s.reset());
                step.put("timeout", s.timeoutSeconds());
                steps.add(step);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", c.name());
            json.put("steps", steps);
            out.add(json);
        }
        return out;
    }

    private static Path resource(String name) throws IOException {
        URL url = ReferenceRun.class.getResource(name);
        if (url == null) {
            throw new IOException("classpath resource " + name + " not found");
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            // not a plain file (inside a jar): copy it out
            Path copy = Files.createTempFile("pyexec4j-reference-driver-", ".py");
            copy.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.write(copy, in.readAllBytes());
            }
            return copy;
        }
    }

    private static int waitQuietly(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
