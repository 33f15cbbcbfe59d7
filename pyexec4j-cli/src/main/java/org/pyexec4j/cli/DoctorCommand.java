package org.pyexec4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.pyexec4j.ExecutionResult;
import org.pyexec4j.Interpreter;
import org.pyexec4j.IsolationReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pyexec4j doctor}: what this machine gives: the Python, and the isolation in force. */
@Command(name = "doctor",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Starts the engine as the other commands would (same options) and says what is in force:"
                    + " the Python interpreter, the isolation level, network, filesystem, processes,"
                    + " environment and limits, and every protection it could not enforce here, with why.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the engine works and the isolation asked for is in force",
            "1:the engine works, but some protection asked for is not in force (see 'not enforced'),"
                    + " or a module asked for with --preload could not be imported",
            "2:the engine cannot start (no Python, bad options)"
        })
final class DoctorCommand implements Callable<Integer> {
    /** What a fresh state holds of the modules asked for: a preloaded module is in sys.modules. */
    private static final String PRELOAD_PROBE = "import sys\nprint(' '.join(m for m in %s if m not in sys.modules))";

    private final Streams streams;

    @Mixin
    EngineOptions engine;

    DoctorCommand(Streams streams) {
        this.streams = streams;
    }

    /** Says which --preload modules a fresh state holds; false when one is missing. */
    private boolean reportPreload(Interpreter py, PrintWriter out) {
        List<String> asked = engine.preloadModules();
        if (asked.isEmpty()) {
            return true;
        }
        String list = asked.stream().map(m -> "'" + m + "'").collect(Collectors.joining(", ", "[", "]"));
        String missing = py.run(PRELOAD_PROBE.formatted(list)).output().trim();
        out.println("preload: " + String.join(", ", asked) + (missing.isEmpty() ? " (imported in every fresh state)"
                : "; NOT imported: " + missing + " (see the log for why; is it installed for this Python?)"));
        return missing.isEmpty();
    }

    @Override
    public Integer call() {
        PrintWriter out = streams.outWriter();
        try (Interpreter py = engine.open()) {
            out.println("python: " + py.python().executable() + " (" + py.python().version() + ")"
                    + (py.python().ipythonAvailable() ? ", IPython available" : ""));
            IsolationReport report = py.isolation();
            out.print(report.describe());
            ExecutionResult probe = py.run("import sys\nprint(sys.version.split()[0])");
            out.println("probe run: " + probe.ending().jsonName() + ", " + probe.output().trim() + " in "
                    + probe.resources().wall().toMillis() + " ms");
            boolean preloaded = reportPreload(py, out);
            out.flush();
            return preloaded && report.notEnforced().isEmpty() && report.level() == report.requested() ? 0 : 1;
        }
    }
}
