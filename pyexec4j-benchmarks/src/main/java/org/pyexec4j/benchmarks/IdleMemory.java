package org.pyexec4j.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.RunRequest;

/**
 * Memory with many idle sessions: the unique memory (USS) of each session's Python worker,
 * and the RSS and heap of this JVM.
 *
 * <pre>
 * java -cp pyexec4j-benchmarks/target/benchmarks.jar org.pyexec4j.benchmarks.IdleMemory \
 *     [--python /usr/bin/python3] [--isolation NONE|LIMITS|SANDBOX] [--sessions 100] [--settle-seconds 12]
 * </pre>
 *
 * <p>Starts one {@link Interpreter}, runs {@code x = 1} once in each of the sessions
 * ({@code reset=false}), waits for the engine to settle (idle session threads end after
 * 10 s), then reads {@code /proc/<pid>/smaps_rollup} of every process below this JVM. The
 * zygote is the topmost Python process (a child of the JVM, or of the sandbox's bubblewrap
 * processes, which are shown apart). Workers whose current directory is still the
 * zygote's have never run code: they are the pool's spares, also shown apart. Finally
 * every session is asked for {@code x}, to show the idle sessions kept their state.
 */
public final class IdleMemory {
    private static final double KIB_PER_MIB = 1024.0;

    private IdleMemory() {}

    private static final String USAGE = "usage: IdleMemory [--python PATH] [--isolation NONE|LIMITS|SANDBOX]"
            + " [--sessions N] [--settle-seconds S]";

    public static void main(String[] args) throws Exception {
        String python = null;
        String isolation = null;
        int sessions = 100;
        int settleSeconds = 12;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--python" -> python = value(args, ++i);
                case "--isolation" -> isolation = value(args, ++i);
                case "--sessions" -> sessions = Integer.parseInt(value(args, ++i));
                case "--settle-seconds" -> settleSeconds = Integer.parseInt(value(args, ++i));
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> {
                    System.err.println("unknown argument '" + args[i] + "'; " + USAGE);
                    System.exit(2);
                }
            }
        }
        JvmMemory before = JvmMemory.now();
        try (Interpreter py = InterpreterChoice.start(python, isolation)) {
            List<CompletableFuture<ExecutionResult>> runs = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                runs.add(py.runAsync(RunRequest.of("x = 1").inSession(session(s))));
            }
            for (CompletableFuture<ExecutionResult> run : runs) {
                Expect.completed(run.join());
            }
            Thread.sleep(settleSeconds * 1000L);

            Processes procs = Processes.below(ProcessHandle.current());
            JvmMemory after = JvmMemory.now();
            print(py, sessions, settleSeconds, procs, before, after);

            for (int s = 0; s < sessions; s++) {
                Expect.printed(py.run(RunRequest.of("print(x)").inSession(session(s))), "1\n");
            }
            System.out.printf("%nchecked: all %d sessions still hold x = 1%n", sessions);
        }
    }

    private static String session(int s) {
        return "idle-" + s;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void print(Interpreter py, int sessions, int settle, Processes procs, JvmMemory before,
                              JvmMemory after) {
        System.out.printf("%s; %d idle sessions, each ran `x = 1` (reset=false); measured %d s later%n",
                InterpreterChoice.describe(py), sessions, settle);
        System.out.printf("JVM %s %s, %s%n%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("Processes below the JVM (MiB) count  USS avg  USS max  PSS avg  RSS avg  USS sum  PSS sum");
        row("zygote", procs.zygote);
        row("session worker", procs.sessionWorkers);
        row("spare worker (pool)", procs.spares);
        row("other (bubblewrap, ...)", procs.others);
        List<ProcMemory> all = new ArrayList<>(procs.zygote);
        all.addAll(procs.sessionWorkers);
        all.addAll(procs.spares);
        all.addAll(procs.others);
        row("all", all);
        if (procs.sessionWorkers.size() != sessions) {
            System.out.printf("note: %d session workers found for %d sessions%n", procs.sessionWorkers.size(),
                    sessions);
        }
        System.out.println();
        System.out.println("JVM (MiB)                     before Interpreter  with the idle sessions");
        System.out.printf(Locale.ROOT, "%-30s%18.1f  %22.1f%n", "VmRSS", before.rssKib / KIB_PER_MIB,
                after.rssKib / KIB_PER_MIB);
        System.out.printf(Locale.ROOT, "%-30s%18.1f  %22.1f%n", "heap used (after System.gc())",
                mib(before.heapUsed), mib(after.heapUsed));
        System.out.printf(Locale.ROOT, "%-30s%18.1f  %22.1f%n", "heap committed", mib(before.heapCommitted),
                mib(after.heapCommitted));
        System.out.printf(Locale.ROOT, "%-30s%18.1f  %22.1f%n", "non-heap used", mib(before.nonHeapUsed),
                mib(after.nonHeapUsed));
        System.out.printf(Locale.ROOT, "%-30s%18d  %22d%n", "threads", before.threads, after.threads);
    }

    private static void row(String name, List<ProcMemory> ms) {
        if (ms.isEmpty()) {
            System.out.printf("%-30s%5d%n", name, 0);
            return;
        }
        System.out.printf(Locale.ROOT, "%-30s%5d  %7.1f  %7.1f  %7.1f  %7.1f  %7.1f  %7.1f%n", name, ms.size(),
                avg(ms, ProcMemory::uss), max(ms, ProcMemory::uss), avg(ms, ProcMemory::pss),
                avg(ms, ProcMemory::rss), sum(ms, ProcMemory::uss), sum(ms, ProcMemory::pss));
    }

    private static double avg(List<ProcMemory> ms, Function<ProcMemory, Long> f) {
        return sum(ms, f) / ms.size();
    }

    private static double max(List<ProcMemory> ms, Function<ProcMemory, Long> f) {
        return ms.stream().mapToLong(f::apply).max().orElse(0) / KIB_PER_MIB;
    }

    private static double sum(List<ProcMemory> ms, Function<ProcMemory, Long> f) {
        return ms.stream().mapToLong(f::apply).sum() / KIB_PER_MIB;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** The processes below a JVM: the zygote, session workers, spares and the others. */
    private record Processes(List<ProcMemory> zygote, List<ProcMemory> sessionWorkers, List<ProcMemory> spares,
                             List<ProcMemory> others) {
        static Processes below(ProcessHandle jvm) throws IOException {
            List<ProcessHandle> all = jvm.descendants().toList();
            List<ProcessHandle> pythons = all.stream().filter(Processes::isPython).toList();
            List<ProcessHandle> zygotes = pythons.stream()
                    .filter(p -> !p.parent().map(Processes::isPython).orElse(false))
                    .toList();
            if (zygotes.size() != 1) {
                throw new IllegalStateException("expected one zygote (a Python process whose parent is not Python),"
                        + " found " + zygotes.size() + " among " + pythons.size() + " Python processes");
            }
            Path zygoteDir = cwd(zygotes.get(0).pid());
            Processes procs = new Processes(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                    new ArrayList<>());
            for (ProcessHandle p : all) {
                ProcMemory m = ProcMemory.of(p.pid());
                if (!pythons.contains(p)) {
                    procs.others.add(m);
                } else if (zygotes.contains(p)) {
                    procs.zygote.add(m);
                } else if (zygoteDir.equals(cwd(p.pid()))) {
                    procs.spares.add(m);
                } else {
                    procs.sessionWorkers.add(m);
                }
            }
            return procs;
        }

        private static boolean isPython(ProcessHandle p) {
            return p.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("python"))
                    .orElse(false);
        }

        private static Path cwd(long pid) throws IOException {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
        }
    }

    /** This JVM's memory, measured after a {@link System#gc()}. */
    private record JvmMemory(long rssKib, long heapUsed, long heapCommitted, long nonHeapUsed, int threads) {
        static JvmMemory now() throws IOException, InterruptedException {
            System.gc();
            Thread.sleep(200);
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            return new JvmMemory(ProcMemory.selfVmRss(), mem.getHeapMemoryUsage().getUsed(),
                    mem.getHeapMemoryUsage().getCommitted(), mem.getNonHeapMemoryUsage().getUsed(),
                    ManagementFactory.getThreadMXBean().getThreadCount());
        }
    }
}
