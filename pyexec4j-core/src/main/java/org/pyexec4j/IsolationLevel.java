package org.pyexec4j;

/** How far the code is kept from the host. What is really in force is an {@link IsolationReport}. */
public enum IsolationLevel {
    /** Code runs with the JVM user's rights, environment and network. */
    NONE,
    /** Resource limits and an environment allow-list; no namespaces. */
    LIMITS,
    /**
     * Limits, plus a bubblewrap sandbox: no network, a read-only system, homes hidden, a
     * private {@code /tmp}, its own PID space; as root also a private mount namespace and an
     * unprivileged user per worker.
     */
    SANDBOX
}
