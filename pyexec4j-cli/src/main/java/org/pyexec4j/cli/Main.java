package org.pyexec4j.cli;

import java.io.PrintWriter;
import org.pyexec4j.cli.repl.ReplCommand;
import org.pyexec4j.cli.stdio.StdioCommand;
import picocli.CommandLine;

/** Entry point of the command line: {@code pyexec4j run|repl|stdio}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int status = execute(args, Streams.system());
        System.exit(status);
    }

    /** Runs the command line on the given streams and returns the exit status. */
    public static int execute(String[] args, Streams streams) {
        return commandLine(streams).execute(args);
    }

    /** The command line with its subcommands, writing help, usage and errors to the given streams. */
    public static CommandLine commandLine(Streams streams) {
        PrintWriter out = streams.outWriter();
        PrintWriter err = streams.errWriter();
        CommandLine cl = new CommandLine(new PyExec4jCommand(err));
        cl.addSubcommand(new RunCommand(streams));
        cl.addSubcommand(new ReplCommand(streams));
        cl.addSubcommand(new StdioCommand(streams));
        cl.addSubcommand(new DoctorCommand(streams));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::failure);
        return cl;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + EngineOptions.oneLine(e.getMessage())
                + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return ExitStatus.USAGE;
    }

    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof CliException) {
            err.println("pyexec4j: " + e.getMessage());
            err.flush();
            return ((CliException) e).status();
        }
        err.println("pyexec4j: internal error: " + e.getClass().getSimpleName() + ": "
                + EngineOptions.oneLine(e.getMessage())
                + (debug() ? "" : " (set PYEXEC4J_DEBUG=1 to see the stack trace)"));
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitStatus.ENGINE_FAILURE;
    }

    static boolean debug() {
        String v = System.getenv("PYEXEC4J_DEBUG");
        return v != null && !v.isEmpty() && !v.equals("0");
    }
}
