package org.pyexec4j;

import java.util.List;
import java.util.Objects;

/**
 * What isolation is really in force for an Interpreter, detected when it started, never
 * assumed.
 *
 * @param requested the level asked for
 * @param level the level in force
 * @param networkIsolated user code has no network (not even the host's loopback services)
 * @param filesystemIsolated the system is read-only, homes are hidden and /tmp is private
 * @param pidNamespace user code cannot see or signal the JVM and the host's processes
 * @param workerUsers each worker runs as its own unprivileged user, with its own mount
 *     namespace: sessions cannot see each other's files or signal each other
 * @param environmentAllowList user code sees only an allow-listed environment
 * @param limits the limits applied
 * @param processLimit how the process limit is enforced ("cgroup", "rlimit") or null
 * @param memoryLimit how the memory limit is enforced: "cgroup" (all of a session's processes
 *     together, and each one's address space) or "rlimit" (each process's address space only),
 *     or null
 * @param notEnforced one line per protection that was asked for and is not in force, and why
 */
public record IsolationReport(
        IsolationLevel requested,
        IsolationLevel level,
        boolean networkIsolated,
        boolean filesystemIsolated,
        boolean pidNamespace,
        boolean workerUsers,
        boolean environmentAllowList,
        Limits limits,
        String processLimit,
        String memoryLimit,
        List<String> notEnforced) {

    public IsolationReport {
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(limits, "limits");
        notEnforced = List.copyOf(notEnforced);
    }

    /** A human summary, one line per fact; what {@code pyexec4j doctor} prints. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("isolation: ").append(level.name().toLowerCase()).append(" (asked for ")
                .append(requested.name().toLowerCase()).append(")\n");
        sb.append("  network: ").append(networkIsolated ? "none (isolated)" : "shared with the host").append('\n');
        sb.append("  filesystem: ").append(filesystemIsolated
                ? "system read-only, homes hidden, private /tmp, working directory writable"
                : "the JVM user's view").append('\n');
        sb.append("  processes: ").append(pidNamespace ? "own PID namespace" : "the host's").append('\n');
        sb.append("  sessions: ").append(workerUsers
                ? "each worker its own user and mount namespace" : "share a user").append('\n');
        sb.append("  environment: ").append(environmentAllowList ? "allow-list" : "the JVM's, inherited").append('\n');
        sb.append("  limits: memory=").append(limits.memoryBytes())
                .append(memoryLimit == null ? "" : " (" + memoryLimit + ")").append(" cpu=").append(limits.cpuTime())
                .append(" processes=").append(limits.processes()).append(processLimit == null ? "" : " (" + processLimit + ")")
                .append(" file_size=").append(limits.fileSizeBytes()).append(" open_files=").append(limits.openFiles())
                .append('\n');
        for (String n : notEnforced) {
            sb.append("  not enforced: ").append(n).append('\n');
        }
        return sb.toString();
    }
}
