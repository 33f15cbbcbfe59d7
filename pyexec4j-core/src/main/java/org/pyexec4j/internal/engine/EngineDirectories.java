package org.pyexec4j.internal.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns an engine's two directories in the temporary directory: the runtime directory (the
 * worker socket, the worker script) and the root of its sessions' working directories.
 *
 * <p>A JVM killed with SIGKILL cannot remove them. So the engine holds a lock on a file in
 * its runtime directory while it lives, and an engine that starts removes the directories
 * of engines whose lock it can take: the kernel releases a lock when its process dies,
 * whatever PID namespace it was in. The lock file says whether its sessions' directories
 * were to be kept.
 */
final class EngineDirectories implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineDirectories.class);
    private static final String RUNTIME_PREFIX = "pyexec4j-rt-";
    private static final String SESSIONS_PREFIX = "pyexec4j-sessions-";
    private static final String LOCK = "owner.lock";
    private static final String KEEP_SESSIONS = "keep-sessions";
    /**
     * Lock files of this JVM's engines: never opened by the cleaner, since closing any
     * channel on a file releases every lock the process holds on it (POSIX locks).
     */
    private static final Set<Path> OWN = ConcurrentHashMap.newKeySet();

    private final Path runtime;
    private final Path sessionsRoot;
    private final FileChannel lockFile;
    private final FileLock lock;

    private EngineDirectories(Path runtime, Path sessionsRoot, FileChannel lockFile, FileLock lock) {
        this.runtime = runtime;
        this.sessionsRoot = sessionsRoot;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** Removes what dead engines left, then creates and locks this engine's directories. */
    static EngineDirectories create(boolean keepSessions) {
        Path base = base();
        removeStale(base);
        Path runtime = null;
        try {
            // traversable, not listable: workers of their own users reach their own directory only
            runtime = Files.createTempDirectory(base, RUNTIME_PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            // locked before it has its name: a cleaner never finds it unlocked
            Path unnamed = runtime.resolve(LOCK + ".new");
            FileChannel channel = FileChannel.open(unnamed, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            FileLock lock = channel.lock();
            channel.write(StandardCharsets.US_ASCII.encode(keepSessions ? KEEP_SESSIONS : "remove-sessions"));
            OWN.add(runtime.resolve(LOCK));
            Files.move(unnamed, runtime.resolve(LOCK), StandardCopyOption.ATOMIC_MOVE);
            Path sessions = Files.createDirectory(base.resolve(SESSIONS_PREFIX + suffixOf(runtime)),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            return new EngineDirectories(runtime, sessions, channel, lock);
        } catch (IOException e) {
            if (runtime != null) {
                deleteQuietly(runtime);
            }
            throw new UncheckedIOException("cannot create a pyexec4j directory in " + base, e);
        }
    }

    Path runtime() {
        return runtime;
    }

    Path sessionsRoot() {
        return sessionsRoot;
    }

    /** Removes both directories (the sessions' unless kept) and gives up the lock. */
    void remove(boolean keepSessions) {
        deleteQuietly(runtime);
        if (!keepSessions) {
            deleteQuietly(sessionsRoot);
        }
        close();
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            LOG.debug("releasing the lock of {}: {}", runtime, e.toString());
        } finally {
            OWN.remove(runtime.resolve(LOCK));
        }
    }

    private static Path base() {
        Path base = Paths.get(System.getProperty("java.io.tmpdir"));
        if (base.toAbsolutePath().toString().length() > 60) {
            base = Paths.get("/tmp"); // a Unix socket path must stay under 108 bytes
        }
        return base;
    }

    private static String suffixOf(Path runtime) {
        return runtime.getFileName().toString().substring(RUNTIME_PREFIX.length());
    }

    /** The directories of engines that are gone: their lock can be taken. */
    private static void removeStale(Path base) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, RUNTIME_PREFIX + "*")) {
            for (Path runtime : dirs) {
                removeIfOwnerGone(base, runtime);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("looking for directories of engines that are gone in {}: {}", base, e.toString());
        }
    }

    private static void removeIfOwnerGone(Path base, Path runtime) {
        Path lockPath = runtime.resolve(LOCK);
        if (OWN.contains(lockPath) || !Files.isRegularFile(lockPath)) {
            return; // an engine of an earlier version, or one that is starting
        }
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return; // its engine lives
            }
            try {
                boolean keepSessions = Files.readString(lockPath, StandardCharsets.US_ASCII).equals(KEEP_SESSIONS);
                if (!keepSessions) {
                    deleteQuietly(base.resolve(SESSIONS_PREFIX + suffixOf(runtime)));
                }
                deleteQuietly(runtime);
                LOG.debug("removed {}, left by an engine that is gone", runtime);
            } finally {
                lock.release();
            }
        } catch (OverlappingFileLockException e) {
            LOG.debug("{} is locked by this JVM", runtime);
        } catch (IOException e) {
            LOG.debug("checking {}: {}", runtime, e.toString());
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            SessionDirectory.deleteTree(dir);
        } catch (IOException e) {
            LOG.debug("removing {}: {}", dir, e.toString());
        }
    }
}
