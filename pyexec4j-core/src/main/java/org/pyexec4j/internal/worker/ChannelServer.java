package org.pyexec4j.internal.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Unix socket workers connect to, and hands each connection to the worker that
 * announced itself on it. Accepting and the handshake run on the IO thread: a new worker
 * costs no thread hop. The announcement is a fixed-length line
 * ({@code pyexec4j1 <worker id> <secret> <role> <generation>}, padded), so reading it
 * never takes a byte of what follows.
 */
public final class ChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelServer.class);
    /** Must equal HELLO_LENGTH in worker.py. */
    static final int HELLO_LENGTH = 128;

    private final Path path;
    private final ServerSocketChannel server;
    private final WorkerIo io;
    private final Map<String, ConnectionSink> expected = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ChannelServer(Path path, ServerSocketChannel server, WorkerIo io) {
        this.path = path;
        this.server = server;
        this.io = io;
    }

    public static ChannelServer open(Path path, WorkerIo io) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ChannelServer cs = new ChannelServer(path, server, io);
        io.register(server, SelectionKey.OP_ACCEPT, new WorkerIo.Handler() {
            @Override
            public boolean onReady(SelectionKey key) throws IOException {
                SocketChannel ch;
                while ((ch = server.accept()) != null) {
                    cs.handshake(ch);
                }
                return true;
            }

            @Override
            public void onClosed() {
                // the server socket closes with the engine
            }
        });
        return cs;
    }

    public Path path() {
        return path;
    }

    /** Registers a worker about to connect; its connections go to {@code sink}. */
    void expect(String workerId, ConnectionSink sink) {
        expected.put(workerId, sink);
    }

    void forget(String workerId) {
        expected.remove(workerId);
    }

    private void handshake(SocketChannel ch) {
        ByteBuffer hello = ByteBuffer.allocate(HELLO_LENGTH);
        io.register(ch, SelectionKey.OP_READ, new WorkerIo.Handler() {
            @Override
            public boolean onReady(SelectionKey key) throws IOException {
                if (ch.read(hello) < 0) {
                    return false;
                }
                if (hello.hasRemaining()) {
                    return true;
                }
                key.interestOps(0);
                if (!dispatch(new String(hello.array(), StandardCharsets.US_ASCII).trim(), ch)) {
                    return false;
                }
                return true;
            }

            @Override
            public void onClosed() {
                // a refused or broken announcement
            }
        });
    }

    private boolean dispatch(String hello, SocketChannel ch) {
        String[] parts = hello.split(" ");
        ConnectionSink target = parts.length == 5 && parts[0].equals("pyexec4j" + WorkerScript.PROTOCOL_VERSION)
                && parts[4].matches("\\d{1,18}") ? expected.get(parts[1]) : null;
        if (target == null || !MessageDigest.isEqual(parts[2].getBytes(StandardCharsets.US_ASCII),
                target.secret().getBytes(StandardCharsets.US_ASCII))) {
            LOG.debug("refused a connection on {} that announced '{}' (unknown or closed worker)", path, hello);
            return false;
        }
        if (!target.attach(parts[3], Long.parseLong(parts[4]), ch)) {
            LOG.warn("refused a connection of worker {} with role '{}'", parts[1], parts[3]);
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing {}: {}", path, e.toString());
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("removing {}: {}", path, e.toString());
        }
    }
}
