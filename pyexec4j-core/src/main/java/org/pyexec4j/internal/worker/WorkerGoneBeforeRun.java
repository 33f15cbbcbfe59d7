package org.pyexec4j.internal.worker;

import org.pyexec4j.PyExec4jException;

/**
 * A run could not begin: its worker ended while the run waited for the worker's new output
 * connections (say, the code of its last run left it no descriptors to open them). The
 * run's code never reached the worker, so it can run in a fresh one.
 */
public final class WorkerGoneBeforeRun extends PyExec4jException {
    private static final long serialVersionUID = 1L;

    WorkerGoneBeforeRun(String workerId, long pid) {
        super("Python worker " + workerId + " (pid " + pid + ") ended before it opened the run's output connections");
    }
}
