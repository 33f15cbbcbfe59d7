package org.pyexec4j.internal.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates an Interpreter's cgroups, named after the JVM that owns them, and removes those of
 * JVMs that died without removing theirs (killed, crashed): a cgroup outlives its processes,
 * and an empty memory cgroup still costs the kernel memory.
 */
final class OwnedCgroups {
    private static final Logger LOG = LoggerFactory.getLogger(OwnedCgroups.class);
    private static final Pattern OWNED = Pattern.compile("pyexec4j-(\\d+)-[0-9a-f-]+");

    private OwnedCgroups() {}

    /** A new group in {@code hierarchy} for an Interpreter of this JVM. */
    static Path create(Path hierarchy) throws IOException {
        return Files.createDirectory(
                hierarchy.resolve("pyexec4j-" + ProcessHandle.current().pid() + "-" + java.util.UUID.randomUUID()));
    }

    /**
     * Removes the groups under {@code hierarchy} of JVMs that are gone, with their workers'
     * groups; a group that still holds a process stays (rmdir refuses it).
     */
    static void removeFrom(Path hierarchy) {
        try (DirectoryStream<Path> roots = Files.newDirectoryStream(hierarchy, "pyexec4j-*")) {
            for (Path root : roots) {
                Matcher m = OWNED.matcher(root.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
                    remove(root);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("looking for stale cgroups in {}: {}", hierarchy, e.toString());
        }
    }

    private static boolean alive(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && p.get().isAlive();
    }

    private static void remove(Path root) throws IOException {
        try (DirectoryStream<Path> workers = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path worker : workers) {
                Files.deleteIfExists(worker);
            }
        }
        Files.deleteIfExists(root);
        LOG.debug("removed the stale cgroup {}", root);
    }
}
