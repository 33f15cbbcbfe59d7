package org.pyexec4j.internal.wire;

import java.util.List;

/** What the zygote (the warm process session workers are forked from) says. */
public sealed interface ZygoteMessage {

    record Hello(String version, long pid, String python, String executable, boolean ipython,
                 List<String> preloadFailures) implements ZygoteMessage {}

    record Forked(String workerId, long pid) implements ZygoteMessage {}

    /** A worker ended: {@code code} when it exited, {@code signal} when a signal killed it. */
    /** A worker ended; {@code outOfMemory}: its memory cgroup killed a process of it at its limit. */
    record Exited(String workerId, long pid, Integer code, Integer signal, boolean outOfMemory)
            implements ZygoteMessage {}

    record Failure(String message) implements ZygoteMessage {}
}
