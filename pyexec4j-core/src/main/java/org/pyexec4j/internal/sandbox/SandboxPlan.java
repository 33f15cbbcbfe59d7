package org.pyexec4j.internal.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pyexec4j.IsolationReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the zygote is started and what its workers do to confine themselves, decided once per
 * Interpreter; owns the Interpreter's cgroups.
 *
 * @param launchPrefix the bubblewrap command line before the Python command, or empty
 * @param environment the whole environment of the zygote, or null to inherit the JVM's
 * @param runtimeDirInside where the runtime directory (socket, worker.py) is seen by Python
 * @param workerOptions limits and confinement, passed to the zygote and applied in each worker
 * @param report what is in force
 * @param cgroups the Interpreter's cgroups (pids, memory), each holding one group per worker
 */
public record SandboxPlan(
        List<String> launchPrefix,
        Map<String, String> environment,
        Path runtimeDirInside,
        Map<String, Object> workerOptions,
        IsolationReport report,
        List<Path> cgroups) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxPlan.class);

    /** Removes the Interpreter's cgroups (its workers are gone by then). */
    @Override
    public void close() {
        cgroups.forEach(SandboxPlan::remove);
    }

    private static void remove(Path cgroup) {
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(cgroup, Files::isDirectory)) {
            for (Path child : children) {
                removeQuietly(child);
            }
        } catch (IOException e) {
            LOG.debug("listing {}: {}", cgroup, e.toString());
        }
        removeQuietly(cgroup);
    }

    private static void removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("could not remove cgroup {}: {}", dir, e.toString());
        }
    }
}
