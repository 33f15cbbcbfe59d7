package org.pyexec4j.internal.result;

import java.util.List;
import org.pyexec4j.Ending;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Limits;
import org.pyexec4j.StackFrame;
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
        // the interpreter's own MemoryError has no args; one the code raises with a message is its own
        if ("MemoryError".equals(type) && args.isEmpty() && limits.memoryBytes() != null) {
            return hit("memory", "the memory limit of " + bytes(limits.memoryBytes())
                    + " (address space per process) was reached");
        }
        if (r.ending() == Ending.CRASHED && r.signal() != null && r.signal() == SIGXCPU && limits.cpuTime() != null) {
            return hit("cpu", "the CPU time limit of " + limits.cpuTime().toSeconds() + " s per process was reached");
        }
        // errnos only from an OSError: a KeyError of 27 or a sys.exit(24) is no limit
        boolean osError = "OSError".equals(type);
        if (limits.fileSizeBytes() != null
                && ((r.signal() != null && r.signal() == SIGXFSZ) || (osError && EFBIG.equals(first)))) {
            return hit("file_size", "the file size limit of " + bytes(limits.fileSizeBytes()) + " was reached");
        }
        // EAGAIN is also a non-blocking socket's or pipe's "nothing yet": a limit only where a
        // process was being started
        boolean forkFailedOnTheWay = r.causes().stream().anyMatch(
                c -> c.type().equals("BlockingIOError") && c.message().startsWith("[Errno " + EAGAIN + "]"));
        boolean forkFailed = (("BlockingIOError".equals(type) && EAGAIN.equals(first)) || forkFailedOnTheWay)
                && startsAProcess(r.excStack());
        boolean threadFailed = "RuntimeError".equals(type) && first.startsWith("can't start new thread");
        if (limits.processes() != null && (forkFailed || threadFailed)) {
            return hit("processes", "the limit of " + limits.processes() + " processes and threads was reached");
        }
        if (limits.openFiles() != null && osError && EMFILE.equals(first)) {
            return hit("open_files", "the limit of " + limits.openFiles() + " open files was reached");
        }
        if (r.droppedBytes() > 0) {
            return hit("output", "the output limit of " + bytes(outputLimitBytes) + " or "
                    + OutputRecorder.keptWrites(outputLimitBytes) + " writes was reached; " + r.droppedBytes()
                    + " bytes were dropped from the middle");
        }
        return null;
    }

    /** Whether a frame of the stack was starting a process (os.fork, subprocess, multiprocessing, ...). */
    private static boolean startsAProcess(List<StackFrame> stack) {
        if (stack == null) {
            return false;
        }
        for (StackFrame f : stack) {
            String line = f.line() == null ? "" : f.line();
            if (line.contains("fork") || line.contains("spawn") || line.contains("Popen")
                    || f.name().equals("_execute_child") || f.name().equals("_launch")) {
                return true;
            }
        }
        return false;
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
