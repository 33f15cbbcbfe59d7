package org.pyexec4j.internal.worker;

import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/** The three connections a worker makes: control, and its raw stdout and stderr. */
public record WorkerChannels(
        String secret,
        CompletableFuture<SocketChannel> control,
        CompletableFuture<SocketChannel> stdout,
        CompletableFuture<SocketChannel> stderr) {

    public static WorkerChannels expecting(String secret) {
        return new WorkerChannels(secret, new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
    }

    boolean attach(String role, SocketChannel ch) {
        switch (role) {
            case "control":
                return control.complete(ch);
            case "stdout":
                return stdout.complete(ch);
            case "stderr":
                return stderr.complete(ch);
            default:
                return false;
        }
    }

    public CompletableFuture<Void> all() {
        return CompletableFuture.allOf(control, stdout, stderr);
    }
}
