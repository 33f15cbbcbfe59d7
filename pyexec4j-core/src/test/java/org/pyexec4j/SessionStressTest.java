package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many concurrent sessions, megabytes of output, every byte checked. */
class SessionStressTest {
    private static final int SESSIONS = 8;
    private static final int RUNS = 6;

    @Test
    void concurrentSessionsKeepTheirOrderStateAndEveryByte() throws Exception {
        try (Interpreter py = Interpreter.builder().build()) {
            List<CompletableFuture<ExecutionResult>> all = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int s = 0; s < SESSIONS; s++) {
                String name = "stress-" + s;
                all.add(py.runAsync(RunRequest.of("counter = 0").inSession(name)));
                expected.add(null);
                for (int r = 0; r < RUNS; r++) {
                    // 2 MB per run, half through print, half written at the fd level
                    String code = String.join("\n",
                            "import os, sys",
                            "counter += 1",
                            "line = ('%d-%d-' % (" + s + ", counter)) * 20 + '\\n'",
                            "for i in range(4000):",
                            "    sys.stdout.write(line)",
                            "    if i % 2: os.write(1, line.encode())",
                            "print('counter', counter)");
                    all.add(py.runAsync(RunRequest.of(code).inSession(name)));
                    expected.add(sha(expectedOutput(s, r + 1)));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            for (int i = 0; i < all.size(); i++) {
                ExecutionResult r = all.get(i).join();
                assertThat(r.ending()).isEqualTo(Ending.COMPLETED);
                if (expected.get(i) != null) {
                    assertThat(sha(r.output())).as("run %d", i).isEqualTo(expected.get(i));
                }
            }
        }
    }

    @Test
    void aBurstOfNewSessionsAllRun() throws Exception {
        // each new session's worker connects to the engine before it takes its session's user:
        // more of them at once than the engine lets one user hold unannounced must wait, not be
        // refused (they were: "exited with code 70", ConnectionResetError, or a 30 s wait)
        try (Interpreter py = Interpreter.builder().build()) {
            List<CompletableFuture<ExecutionResult>> all = new ArrayList<>();
            for (int s = 0; s < 150; s++) {
                all.add(py.runAsync(RunRequest.of("print(" + s + ")").inSession("burst-" + s)));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            for (int s = 0; s < all.size(); s++) {
                ExecutionResult r = all.get(s).join();
                assertThat(r.ending()).as("session %d", s).isEqualTo(Ending.COMPLETED);
                assertThat(r.output()).isEqualTo(s + "\n");
            }
        }
    }

    private static String expectedOutput(int session, int counter) {
        String line = (session + "-" + counter + "-").repeat(20) + "\n";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            sb.append(line);
            if (i % 2 == 1) {
                sb.append(line);
            }
        }
        return sb.append("counter ").append(counter).append('\n').toString();
    }

    private static String sha(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
