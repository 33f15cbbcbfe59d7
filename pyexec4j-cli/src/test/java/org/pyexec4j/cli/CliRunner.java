package org.pyexec4j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs the command line in this JVM on in-memory streams. */
final class CliRunner {
    private CliRunner() {}

    /** What one invocation did. */
    record Outcome(int status, String out, String err, int outWrites) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    static Outcome run(String... args) {
        return runWithInput("", args);
    }

    static Outcome runWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicInteger writes = new AtomicInteger();
        OutputStream countingOut = new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                out.write(b, off, len);
            }
        };
        int status = Main.execute(args, new Streams(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), countingOut, err));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                writes.get());
    }
}
