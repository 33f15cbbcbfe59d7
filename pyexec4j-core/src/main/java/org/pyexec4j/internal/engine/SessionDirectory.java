package org.pyexec4j.internal.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A session's working directory: the configured one, or a temporary one it owns. */
final class SessionDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionDirectory.class);
    private final Path path;
    private final boolean owned;

    private SessionDirectory(Path path, boolean owned) {
        this.path = path;
        this.owned = owned;
    }

    static SessionDirectory shared(Path dir) {
        return new SessionDirectory(dir, false);
    }

    static SessionDirectory temporary(Path root, String session, boolean keep) {
        try {
            String safe = session.replaceAll("[^A-Za-z0-9_.-]", "_");
            if (safe.length() > 40) {
                safe = safe.substring(0, 40);
            }
            Path dir = Files.createTempDirectory(root, "pyexec4j-" + safe + "-");
            if (keep) { // kept to be looked at afterwards: where, is said once
                LOG.info("session '{}' works in {}, kept after the session ends", session, dir);
            }
            return new SessionDirectory(dir, !keep);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary working directory for session '" + session
                    + "' in " + root + ": " + e.getMessage(), e);
        }
    }

    /** Makes the session's own user the owner (the directory is already private: 0700). */
    void giveTo(int uid) {
        try {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", uid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give the working directory " + path + " to its session's user "
                    + uid + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (owned && Files.exists(path)) {
            deleteTree(path);
        }
    }

    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
