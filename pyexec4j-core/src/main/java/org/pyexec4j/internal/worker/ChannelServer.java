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
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Unix socket workers connect to, and hands each connection to the worker that
 * announced itself on it. Accepting and the handshake run on the IO thread: a new worker
 * costs no thread hop. The announcement is a fixed-length line
 * ({@code pyexec4j1 <worker id> <secret> <role> <generation>}, padded), so reading it
 * never takes a byte of what follows.
 *
 * <p>Code in a worker can connect to the socket too. A connection that has not announced a
 * worker within {@link #ANNOUNCE_LIMIT} is closed. At most {@link #MAX_UNANNOUNCED_PER_USER} of
 * one user's are open at once, more are refused (in the sandbox each session's code has a user
 * of its own: code holding connections open keeps only its own session's workers out); the
 * engine's own user is not held to that, as a burst of new workers connects under it before
 * each takes its session's user. At {@link #MAX_UNANNOUNCED} open in all, accepting waits until
 * one announces itself or is closed: the connections that come meanwhile wait in the kernel's
 * backlog (a worker's connect blocks), none is refused. A failed accept (say, the JVM out of
 * descriptors) pauses accepting for a moment, and never closes the socket.
 */
public final class ChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelServer.class);
    /** Must equal HELLO_LENGTH in worker.py. */
    static final int HELLO_LENGTH = 128;
    /** A worker announces itself as it connects: this is ample on a machine under load. */
    static final Duration ANNOUNCE_LIMIT = Duration.ofSeconds(5);
    /** A burst of starting workers opens a few each; past this many unannounced ones, accepting waits. */
    static final int MAX_UNANNOUNCED = 256;
    static final int MAX_UNANNOUNCED_PER_USER = 64;
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);

    private final Path path;
    private final ServerSocketChannel server;
    private final WorkerIo io;
    private final Deadlines timer;
    private final Map<String, ConnectionSink> expected = new ConcurrentHashMap<>();
    /** Connections accepted that have not announced a worker yet, by user; on the IO thread only. */
    private final Map<String, Integer> unannouncedBy = new HashMap<>();
    /** The user the engine (and so every worker until it enters its session) runs as. */
    private final String engineUser = ProcessHandle.current().info().user().orElse("");
    /** The accepting key, while accepting waits for unannounced connections to end; on the IO thread only. */
    private SelectionKey waitingToAccept;
    private volatile boolean closed;

    private ChannelServer(Path path, ServerSocketChannel server, WorkerIo io, Deadlines timer) {
        this.path = path;
        this.server = server;
        this.io = io;
        this.timer = timer;
    }

    public static ChannelServer open(Path path, WorkerIo io, Deadlines timer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ChannelServer cs = new ChannelServer(path, server, io, timer);
        io.register(server, SelectionKey.OP_ACCEPT, new WorkerIo.Handler() {
            @Override
            public boolean onReady(SelectionKey key) {
                while (true) {
                    if (cs.unannounced() >= MAX_UNANNOUNCED) {
                        cs.waitToAccept(key);
                        return true;
                    }
                    SocketChannel ch;
                    try {
                        ch = server.accept();
                    } catch (IOException e) {
                        cs.pauseAccepting(key, e);
                        return true;
                    }
                    if (ch == null) {
                        return true;
                    }
                    cs.handshake(ch);
                }
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

    /**
     * On the IO thread: accepting failed (most likely no descriptor is left; code that holds
     * connections open is closed by ANNOUNCE_LIMIT): accept again in a moment, not in a busy loop.
     */
    private void pauseAccepting(SelectionKey key, IOException e) {
        LOG.warn("cannot accept a worker connection on {} ({}); trying again in {} ms", path, e.toString(),
                ACCEPT_PAUSE.toMillis());
        key.interestOps(0);
        timer.after(ACCEPT_PAUSE, () -> io.execute(() -> {
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        }));
    }

    /** On the IO thread: reads the announcement of a connection just accepted. */
    private void handshake(SocketChannel ch) {
        String user = peerUser(ch);
        int ofUser = unannouncedBy.getOrDefault(user, 0);
        if (ofUser >= MAX_UNANNOUNCED_PER_USER && !user.equals(engineUser)) {
            LOG.debug("refused a connection of user {} on {}: {} of theirs have not announced a worker yet", user,
                    path, ofUser);
            closeQuietly(ch);
            return;
        }
        unannouncedBy.merge(user, 1, Integer::sum);
        io.register(ch, SelectionKey.OP_READ, new Announcement(ch, user));
    }

    private int unannounced() {
        return unannouncedBy.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** On the IO thread: no more accepting until an unannounced connection ends (see uncount). */
    private void waitToAccept(SelectionKey key) {
        if (waitingToAccept == null) {
            LOG.debug("{} connections on {} have not announced a worker yet: accepting waits", MAX_UNANNOUNCED, path);
        }
        key.interestOps(0);
        waitingToAccept = key;
    }

    /** On the IO thread: an unannounced connection ended; accepting goes on if it waited for that. */
    private void acceptAgain() {
        SelectionKey key = waitingToAccept;
        if (key != null && unannounced() < MAX_UNANNOUNCED) {
            waitingToAccept = null;
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    /**
     * A connection until it has announced a worker: counted among its user's unannounced ones,
     * and closed at ANNOUNCE_LIMIT if it is still silent. On the IO thread.
     */
    private final class Announcement implements WorkerIo.Handler {
        private final SocketChannel ch;
        private final String user;
        private final ByteBuffer hello = ByteBuffer.allocate(HELLO_LENGTH);
        private boolean counted = true;
        private SelectionKey key;
        private Deadlines.Pending limit;

        Announcement(SocketChannel ch, String user) {
            this.ch = ch;
            this.user = user;
        }

        @Override
        public void onRegistered(SelectionKey key) {
            this.key = key;
            limit = timer.after(ANNOUNCE_LIMIT, () -> io.execute(this::giveUp));
        }

        /** At the limit: closed unless it announced a worker meanwhile. */
        private void giveUp() {
            if (counted) {
                key.cancel();
                closeQuietly(ch);
                onClosed();
            }
        }

        @Override
        public boolean onReady(SelectionKey key) throws IOException {
            if (ch.read(hello) < 0) {
                return false;
            }
            if (hello.hasRemaining()) {
                return true;
            }
            key.interestOps(0);
            uncount();
            return dispatch(new String(hello.array(), StandardCharsets.US_ASCII).trim(), ch);
        }

        @Override
        public void onClosed() {
            uncount(); // a refused, broken or silent announcement
        }

        private void uncount() {
            if (counted) {
                counted = false;
                unannouncedBy.computeIfPresent(user, (u, n) -> n > 1 ? n - 1 : null);
                if (limit != null) {
                    limit.cancel();
                }
                acceptAgain();
            }
        }
    }

    /** The connecting process's user, as the kernel says; "?" where it cannot. */
    private static String peerUser(SocketChannel ch) {
        try {
            return ch.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            return "?";
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing a refused connection: {}", e.toString());
        }
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
