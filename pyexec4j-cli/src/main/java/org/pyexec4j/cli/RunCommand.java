package org.pyexec4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.PyExec4jException;
import org.pyexec4j.RunRequest;
import org.pyexec4j.OutputChunk;
import org.pyexec4j.OutputListener;
import org.pyexec4j.StdStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pyexec4j run FILE|-}: runs a script once, in a fresh state, as {@code python3 FILE} would. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Runs a Python script once, in a fresh interpreter state, and streams its output as it comes:"
                    + " its stdout to stdout, its stderr (tracebacks included) to stderr.",
            "The script runs in a fresh temporary directory unless --workdir is given."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the script completed",
            "1:it raised an exception",
            "n:it called sys.exit(n)",
            "2:usage error (bad option, missing file, no Python, unwritable --workdir)",
            "70:the engine failed (see stderr)",
            "124:it reached --timeout (as timeout(1))",
            "130:interrupted by Ctrl-C",
            "128+n:the Python process was killed by signal n",
            "141:stdout was closed early (e.g. | head), as SIGPIPE"
        })
final class RunCommand implements Callable<Integer> {
    static final String SESSION = "run";
    private static final java.util.regex.Pattern RUN_FILE_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\.py");

    private final Streams streams;

    @Parameters(index = "0", paramLabel = "FILE|-", description = "The script to run; '-' reads it from stdin.")
    String file;

    @Option(names = "--json", description = "Print only the whole result as one JSON object, instead of the output.")
    boolean json;

    @Mixin
    EngineOptions engine;

    RunCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        String code = readScript();
        try (Interpreter py = engine.open(runFileName())) {
            return json ? runToJson(py, code) : runStreaming(py, code);
        }
    }

    private int runToJson(Interpreter py, String code) {
        ExecutionResult result = execute(py, new RunRequest(code, SESSION, true, null, null));
        write(streams.out(), result.toJson() + "\n");
        return ExitStatus.of(result);
    }

    private int runStreaming(Interpreter py, String code) {
        OutputStream out = streams.out();
        OutputStream err = streams.err();
        AtomicBoolean broken = new AtomicBoolean();
        OutputListener listener = new OutputListener() {
            @Override
            public void onOutput(OutputChunk chunk) {
                // Once the reader has gone away (| head), stop the script, as SIGPIPE would stop python3.
                if (!broken.get() && !tryWrite(chunk.stream() == StdStream.STDOUT ? out : err, chunk.text())
                        && broken.compareAndSet(false, true)) {
                    py.interrupt(SESSION);
                }
            }

            @Override
            public void onTraceback(String text) {
                // python3 FILE prints no traceback for sys.exit(): only a message that is not a number
                String exitMessage = SystemExitMessage.of(text);
                if (exitMessage == null) {
                    onOutput(new OutputChunk(StdStream.STDERR, text));
                } else if (!exitMessage.isEmpty()) {
                    onOutput(new OutputChunk(StdStream.STDERR, exitMessage + "\n"));
                }
            }
        };
        RunRequest request = new RunRequest(code, SESSION, true, null, listener);
        ExecutionResult result = execute(py, request);
        if (broken.get()) {
            return ExitStatus.BROKEN_PIPE;
        }
        if (result.limitHit() != null) { // said in term_out just before the closing line
            write(err, result.termOut().get(result.termOut().size() - 2));
        }
        String note = closingNote(result);
        if (note != null) {
            write(err, "pyexec4j: " + note + "\n");
        }
        return ExitStatus.of(result);
    }

    /** Runs the request; the first Ctrl-C interrupts the script (KeyboardInterrupt), a second one leaves. */
    private ExecutionResult execute(Interpreter py, RunRequest request) {
        AtomicInteger presses = new AtomicInteger();
        try (SigintHandler ignored = SigintHandler.install(() -> {
            if (presses.incrementAndGet() == 1) {
                py.interrupt(SESSION);
            } else {
                py.close();
                Runtime.getRuntime().halt(ExitStatus.INTERRUPTED);
            }
        })) {
            ExecutionResult result = py.run(request);
            while (presses.get() > 1) {
                // the second Ctrl-C's thread is closing everything and then exits with 130: this
                // thread must not exit first, with the closed run's status, cutting that short
                LockSupport.park();
            }
            return result;
        } catch (PyExec4jException e) {
            throw new CliException(EngineOptions.oneLine(e.getMessage()), ExitStatus.ENGINE_FAILURE);
        }
    }

    /**
     * The script's own file name, for tracebacks as python3 shows them ({@code File "train.py"}),
     * where the engine accepts it; else null (the engine's {@code runfile.py}).
     */
    private String runFileName() {
        if ("-".equals(file)) {
            return null;
        }
        Path name = Path.of(file).getFileName();
        String n = name == null ? "" : name.toString();
        return RUN_FILE_NAME.matcher(n).matches() ? n : null;
    }

    /** What a terminal user should be told beyond the program's own output, or null. */
    static String closingNote(ExecutionResult result) {
        String closing = result.termOut().isEmpty() ? "" : result.termOut().get(result.termOut().size() - 1);
        return switch (result.ending()) {
            case TIMED_OUT -> closing.strip();
            case KILLED_AFTER_GRACE -> closing.strip() + " (it ignored the interrupt and was killed after the grace)";
            // a crash is said in the output already, with the signal's name and any limit it hit
            default -> null;
        };
    }

    private String readScript() {
        byte[] bytes;
        String name = file;
        try {
            if ("-".equals(file)) {
                name = "stdin";
                bytes = readAll(streams.in());
            } else {
                bytes = Files.readAllBytes(Path.of(file));
            }
        } catch (NoSuchFileException e) {
            throw new CliException("cannot read " + file + ": no such file");
        } catch (IOException | RuntimeException e) {
            throw new CliException("cannot read " + name + ": " + EngineOptions.oneLine(e.getMessage()));
        }
        // a UTF-8 byte order mark starts the file, not its code, as python3 reads a script
        int start = bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF
                ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CliException(name + " is not UTF-8 text: save it as UTF-8");
        }
    }

    /** All of a stream; FileInputStream.readAllBytes of JDK 17 fails on a pipe ("Illegal seek"). */
    private static byte[] readAll(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
            all.write(buf, 0, n);
        }
        return all.toByteArray();
    }

    private static boolean tryWrite(OutputStream stream, String text) {
        try {
            stream.write(text.getBytes(StandardCharsets.UTF_8));
            stream.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(OutputStream stream, String text) {
        try {
            stream.write(text.getBytes(StandardCharsets.UTF_8));
            stream.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
