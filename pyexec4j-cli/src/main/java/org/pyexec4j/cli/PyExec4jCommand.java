package org.pyexec4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pyexec4j}: the top command; without a subcommand it shows the help. */
@Command(name = "pyexec4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runs Python code in separate CPython processes and tells exactly what happened.",
        footer = {"", "Run 'pyexec4j COMMAND --help' for the options of a command."})
final class PyExec4jCommand implements Callable<Integer> {
    private final PrintWriter err;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PyExec4jCommand(PrintWriter err) {
        this.err = err;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        err.flush();
        return ExitStatus.USAGE;
    }
}
