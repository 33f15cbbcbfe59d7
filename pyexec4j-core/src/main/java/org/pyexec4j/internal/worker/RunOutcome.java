package org.pyexec4j.internal.worker;

import java.time.Duration;
import org.pyexec4j.internal.wire.WorkerMessage;
import org.pyexec4j.internal.wire.ZygoteMessage;

/**
 * How a run ended, as the worker process saw it.
 *
 * @param done the worker's report, or {@code null} when it died first
 * @param killedAfterGrace the engine killed it at timeout + grace
 * @param exit how the process ended when it died ({@code null} if unknown or still alive)
 * @param wall time from sending the code to the end of the run
 */
public record RunOutcome(WorkerMessage.Done done, boolean killedAfterGrace, ZygoteMessage.Exited exit, Duration wall) {}
