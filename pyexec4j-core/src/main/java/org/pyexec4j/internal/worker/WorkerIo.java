package org.pyexec4j.internal.worker;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that reads every worker connection of an Interpreter. One reader for all
 * of a worker's connections is what keeps their output in order; one for all workers keeps
 * idle sessions free of threads. Handlers run on this thread and must not block.
 */
public final class WorkerIo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerIo.class);

    /** Reacts to a ready connection; returns false once it reached its end (it is closed then). */
    public interface Handler {
        boolean onReady(SelectionKey key) throws IOException;

        /** Called on the IO thread once the connection is watched. */
        default void onRegistered(SelectionKey key) {}

        void onClosed();
    }

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    public WorkerIo(String threadName) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts reading {@code ch} (made non-blocking) on the IO thread. */
    public void register(SocketChannel ch, Handler handler) {
        register(ch, SelectionKey.OP_READ, handler);
    }

    /** Watches {@code ch} (made non-blocking) for {@code ops}; a channel already watched gets the new handler. */
    public void register(SelectableChannel ch, int ops, Handler handler) {
        submit(() -> {
            try {
                ch.configureBlocking(false);
                handler.onRegistered(ch.register(selector, ops, handler));
            } catch (IOException e) {
                LOG.debug("cannot watch a worker connection: {}", e.toString());
                closeQuietly(ch);
                handler.onClosed();
            }
        });
    }

    /** Closes a connection on the IO thread (so no handler is running on it then). */
    public void close(SocketChannel ch, Handler handler) {
        submit(() -> {
            SelectionKey key = ch.keyFor(selector);
            if (key != null) {
                key.cancel();
            }
            if (ch.isOpen()) {
                closeQuietly(ch);
                handler.onClosed();
            }
        });
    }

    /** Runs a task on the IO thread: now if called there, else soon. */
    public void execute(Runnable task) {
        if (Thread.currentThread() == thread) {
            task.run();
        } else {
            submit(task);
        }
    }

    private void submit(Runnable task) {
        if (closed) {
            task.run();
            return;
        }
        tasks.add(task);
        selector.wakeup();
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select();
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Handler h = (Handler) key.attachment();
                    boolean open;
                    try {
                        open = key.isValid() && (key.readyOps() & key.interestOps()) != 0 ? h.onReady(key) : key.isValid();
                    } catch (IOException | CancelledKeyException e) {
                        LOG.debug("worker connection failed: {}", e.toString());
                        open = false;
                    } catch (RuntimeException e) {
                        LOG.error("a worker connection handler failed; closing that connection", e);
                        open = false;
                    } catch (OutOfMemoryError e) {
                        // what a connection carried did not fit (an allocation that failed took
                        // nothing): that connection goes, this thread serves every other one
                        LOG.error("out of memory reading a worker connection; closing that connection", e);
                        open = false;
                    }
                    if (!open) {
                        key.cancel();
                        closeQuietly(key.channel());
                        h.onClosed();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.error("the worker IO loop failed", e);
            }
        } finally {
            try {
                for (SelectionKey key : selector.keys()) {
                    closeQuietly(key.channel());
                    ((Handler) key.attachment()).onClosed();
                }
            } catch (ClosedSelectorException e) {
                // close() gave up waiting for this thread and closed the selector: its channels with it
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the selector: {}", e.toString());
        }
    }
}
