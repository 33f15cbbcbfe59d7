package org.pyexec4j.internal.result;

/** Linux signal numbers to names, for messages. */
final class SignalNames {
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    private SignalNames() {}

    static String of(Integer signal) {
        if (signal == null || signal <= 0 || signal >= NAMES.length) {
            return "signal " + signal;
        }
        return NAMES[signal];
    }
}
