package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.pyexec4j.Interpreter;
import org.pyexec4j.cli.TestJson;

/** The server in this JVM, for what a client cannot see: what it keeps per session. */
class StdioServerTest {

    @Test
    void closedSessionsAreForgotten() throws Exception {
        PipedOutputStream client = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(client, 1 << 16);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Interpreter py = Interpreter.builder().timeout(Duration.ofSeconds(60)).build();
        StdioServer server = new StdioServer(py, stdin, stdout, 1 << 20);
        CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(server::serve);
        int n = 12;
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < n; i++) {
            requests.append("{\"id\": \"r").append(i).append("\", \"session\": \"u").append(i)
                    .append("\", \"code\": \"print(").append(i).append(")\"}\n");
            requests.append("{\"id\": \"c").append(i).append("\", \"op\": \"close\", \"session\": \"u").append(i)
                    .append("\"}\n");
        }
        client.write(requests.toString().getBytes(StandardCharsets.UTF_8));
        client.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (answers(stdout).size() < 2 * n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(answers(stdout)).hasSize(2 * n);
        while (server.laneCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.laneCount()).isZero();
        assertThat(py.sessions()).isEmpty();
        client.close();
        assertThat(serving.get(60, TimeUnit.SECONDS)).isZero();
    }

    private static List<Map<String, Object>> answers(ByteArrayOutputStream out) throws IOException {
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        // whole lines only: one may be half written
        return text.substring(0, text.lastIndexOf('\n') + 1).lines().map(TestJson::object)
                .collect(Collectors.toList());
    }
}
