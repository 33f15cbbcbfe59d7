package org.pyexec4j.internal.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Unix socket workers connect to, and hands each connection to the worker
 * that announced itself on it ({@code pyexec4j1 <worker id> <secret> <role> <generation>}).
 */
public final class ChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelServer.class);
    private static final int MAX_HELLO = 256;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final ExecutorService handshakes;
    private final Map<String, ConnectionSink> expected = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ChannelServer(Path path, ServerSocketChannel server, String name) {
        this.path = path;
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.handshakes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-handshake-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, name + "-accept");
        this.acceptor.setDaemon(true);
    }

    public static ChannelServer open(Path path, String threadName) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ChannelServer cs = new ChannelServer(path, server, threadName);
        cs.acceptor.start();
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

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                handshakes.execute(() -> handshake(ch));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accepting a worker connection on {} failed", path, e);
                }
            }
        }
    }

    private void handshake(SocketChannel ch) {
        try {
            String hello = readHello(ch);
            String[] parts = hello.split(" ");
            ConnectionSink target = parts.length == 5 && parts[0].equals("pyexec4j" + WorkerScript.PROTOCOL_VERSION)
                    && parts[4].matches("\\d{1,18}") ? expected.get(parts[1]) : null;
            if (target == null || !MessageDigest.isEqual(parts[2].getBytes(StandardCharsets.US_ASCII),
                    target.secret().getBytes(StandardCharsets.US_ASCII))) {
                LOG.debug("refused a connection on {} that announced '{}' (unknown or closed worker)", path, hello);
                ch.close();
                return;
            }
            if (!target.attach(parts[3], Long.parseLong(parts[4]), ch)) {
                LOG.warn("refused a connection of worker {} with unknown role '{}'", parts[1], parts[3]);
                ch.close();
            }
        } catch (IOException e) {
            LOG.debug("a worker connection failed during its handshake: {}", e.toString());
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    /** Reads up to the first newline byte by byte, so nothing after it is consumed. */
    private static String readHello(SocketChannel ch) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < MAX_HELLO) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new IOException("connection closed before its hello line");
            }
            char c = (char) (one.get(0) & 0xff);
            if (c == '\n') {
                return sb.toString();
            }
            sb.append(c);
        }
        throw new IOException("hello line longer than " + MAX_HELLO + " bytes");
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
        handshakes.shutdownNow();
        try {
            acceptor.join(2000);
            handshakes.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("removing {}: {}", path, e.toString());
        }
    }
}
