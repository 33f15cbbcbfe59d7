package org.pyexec4j.internal.result;

import java.util.List;
import org.pyexec4j.Ending;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Limits;
import org.pyexec4j.internal.output.OutputRecorder;

/**
 * Which resource limit a run ran into, decided from how it ended, and the one line that
 * says so in its output.
 */
public record LimitHit(String name, String line) {
    private static final int SIGXCPU = 24;
    private static final int SIGXFSZ = 25;
    private static final String EAGAIN = "11";
    private static final String EMFILE = "24";
    private static final String EFBIG = "27";

    /** The limit {@code r} ran into under {@code limits}, or null. */
    public static LimitHit of(ExecutionResult r, Limits limits, long outputLimitBytes) {
        return of(r, limits, outputLimitBytes, false);
    }

    /**
     * As {@link #of(ExecutionResult, Limits, long)}; {@code killedAtMemoryLimit}: the kernel
     * killed a process of the session's worker at the memory limit of its processes together.
     */
    public static LimitHit of(ExecutionResult r, Limits limits, long outputLimitBytes, boolean killedAtMemoryLimit) {
        if (killedAtMemoryLimit && limits.memoryBytes() != null) {
            return hit("memory", "the memory limit of " + bytes(limits.memoryBytes())
                    + " (all of the session's processes together) was reached; the biggest process was killed");
        }
        String type = r.excType();
        List<String> args = r.excInfo() == null || r.excInfo().args() == null ? List.of() : r.excInfo().args();
        String first = args.isEmpty() ? "" : args.get(0);
        if ("MemoryError".equals(type) && limits.memoryBytes() != null) {
            return hit("memory", "the memory limit of " + bytes(limits.memoryBytes())
                    + " (address space per process) was reached");
        }
        if (r.ending() == Ending.CRASHED && r.signal() != null && r.signal() == SIGXCPU && limits.cpuTime() != null) {
            return hit("cpu", "the CPU time limit of " + limits.cpuTime().toSeconds() + " s per process was reached");
        }
        if (limits.fileSizeBytes() != null && ((r.signal() != null && r.signal() == SIGXFSZ) || EFBIG.equals(first))) {
            return hit("file_size", "the file size limit of " + bytes(limits.fileSizeBytes()) + " was reached");
        }
        boolean forkFailedOnTheWay = r.causes().stream().anyMatch(
                c -> c.type().equals("BlockingIOError") && c.message().startsWith("[Errno " + EAGAIN + "]"));
        if (limits.processes() != null
                && (("BlockingIOError".equals(type) && EAGAIN.equals(first)) || forkFailedOnTheWay)) {
            return hit("processes", "the limit of " + limits.processes() + " processes and threads was reached");
        }
        if (limits.openFiles() != null && EMFILE.equals(first)) {
            return hit("open_files", "the limit of " + limits.openFiles() + " open files was reached");
        }
        if (r.droppedBytes() > 0) {
            return hit("output", "the output limit of " + bytes(outputLimitBytes) + " or "
                    + OutputRecorder.keptWrites(outputLimitBytes) + " writes was reached; " + r.droppedBytes()
                    + " bytes were dropped from the middle");
        }
        return null;
    }

    private static LimitHit hit(String name, String what) {
        return new LimitHit(name, "[pyexec4j: " + what + "]\n");
    }

    static String bytes(long n) {
        if (n >= 1L << 30 && n % (1L << 30) == 0) {
            return (n >> 30) + " GiB";
        }
        if (n >= 1L << 20 && n % (1L << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        return n + " bytes";
    }
}
