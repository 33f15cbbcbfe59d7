package org.pyexec4j.cli.stdio;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the kernel for a bigger pipe behind standard output, when it is one. A pipe holds 64 KiB
 * by default: a 2.7 MB answer (200 000 printed lines) then moves in 42 writes, each of which
 * waits for the client to wake up and read; with 1 MiB, in 3. Java cannot make the call
 * ({@code fcntl(F_SETPIPE_SZ)}), so a one-off Python process that shares the descriptor does,
 * and writes nothing to it. Where it cannot (not a pipe, a lower system maximum, no Python),
 * the pipe stays as it is.
 */
final class AnswerPipe {
    private static final Logger log = LoggerFactory.getLogger(AnswerPipe.class);
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String ENLARGE = String.join("\n",
            "import fcntl, os, stat",
            "F_SETPIPE_SZ = 1031",
            "if stat.S_ISFIFO(os.fstat(1).st_mode):",
            "    with open('/proc/sys/fs/pipe-max-size') as f:",
            "        most = int(f.read())",
            "    fcntl.fcntl(1, F_SETPIPE_SZ, min(1 << 20, most))");

    private AnswerPipe() {
    }

    static void enlarge(Path python) {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-I", "-S", "-c", ENLARGE)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            if (!p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                log.debug("enlarging the stdout pipe took over {} s; left as it is", LIMIT.toSeconds());
            } else if (p.exitValue() != 0) {
                log.debug("the stdout pipe could not be enlarged (status {}); left as it is", p.exitValue());
            }
        } catch (IOException e) {
            log.debug("the stdout pipe could not be enlarged ({}); left as it is", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
