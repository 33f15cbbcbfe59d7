package org.pyexec4j;

import java.time.Duration;

/**
 * Resource limits of each worker process; {@code null} means no limit. The defaults let
 * numpy and pandas import and do real work, and stop a runaway snippet well before it hurts
 * the machine.
 *
 * @param memoryBytes address space of each process (RLIMIT_AS): past it allocations fail
 *     with a catchable {@code MemoryError}
 * @param cpuTime CPU time of each process (RLIMIT_CPU)
 * @param processes processes and threads of the session (a pids cgroup, or RLIMIT_NPROC for
 *     an unprivileged worker user)
 * @param fileSizeBytes largest file a process may write (RLIMIT_FSIZE)
 * @param openFiles open file descriptors per process (RLIMIT_NOFILE)
 */
public record Limits(Long memoryBytes, Duration cpuTime, Integer processes, Long fileSizeBytes, Integer openFiles) {
    /**
     * The least address space accepted: a Python process with the engine's thread needs about
     * 40 MiB of it to start (under that, every run of the session ends with the process).
     */
    public static final long MIN_MEMORY_BYTES = 64L << 20;
    /** The fewest open files accepted: the engine keeps about a dozen of its own. */
    public static final int MIN_OPEN_FILES = 32;

    public Limits {
        requirePositive("memoryBytes", memoryBytes);
        if (memoryBytes != null && memoryBytes < MIN_MEMORY_BYTES) {
            throw new IllegalArgumentException("memoryBytes must be at least " + (MIN_MEMORY_BYTES >> 20)
                    + " MiB (Python itself needs about 40 MiB of address space to start), was " + memoryBytes);
        }
        if (openFiles != null && openFiles < MIN_OPEN_FILES) {
            throw new IllegalArgumentException("openFiles must be at least " + MIN_OPEN_FILES
                    + " (the engine keeps about a dozen of its own), was " + openFiles);
        }
        requirePositive("fileSizeBytes", fileSizeBytes);
        requirePositive("processes", processes == null ? null : processes.longValue());
        requirePositive("openFiles", openFiles == null ? null : openFiles.longValue());
        if (cpuTime != null && (cpuTime.isNegative() || cpuTime.toSeconds() < 1)) {
            throw new IllegalArgumentException("cpuTime must be at least one second, was " + cpuTime);
        }
    }

    /** 4 GiB of address space, 1 h of CPU, 256 processes and threads, 1 GiB files, 1024 open files. */
    public static Limits defaults() {
        return new Limits(4L << 30, Duration.ofHours(1), 256, 1L << 30, 1024);
    }

    /** No limit at all. */
    public static Limits none() {
        return new Limits(null, null, null, null, null);
    }

    public Limits withMemoryBytes(Long bytes) {
        return new Limits(bytes, cpuTime, processes, fileSizeBytes, openFiles);
    }

    public Limits withCpuTime(Duration cpu) {
        return new Limits(memoryBytes, cpu, processes, fileSizeBytes, openFiles);
    }

    public Limits withProcesses(Integer count) {
        return new Limits(memoryBytes, cpuTime, count, fileSizeBytes, openFiles);
    }

    public Limits withFileSizeBytes(Long bytes) {
        return new Limits(memoryBytes, cpuTime, processes, bytes, openFiles);
    }

    public Limits withOpenFiles(Integer count) {
        return new Limits(memoryBytes, cpuTime, processes, fileSizeBytes, count);
    }

    private static void requirePositive(String name, Long value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(name + " must be positive (or null for no limit), was " + value);
        }
    }
}
