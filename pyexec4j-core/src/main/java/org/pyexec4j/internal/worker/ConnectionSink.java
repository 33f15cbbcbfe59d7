package org.pyexec4j.internal.worker;

import java.nio.channels.SocketChannel;

/** Takes the connections a worker makes to the engine's socket. */
interface ConnectionSink {
    /** The secret the worker must present. */
    String secret();

    /**
     * A connection announced as {@code role} ("control", "stdout", "stderr") of generation
     * {@code generation} (the run it is for); false if the role is unknown.
     */
    boolean attach(String role, long generation, SocketChannel channel);
}
