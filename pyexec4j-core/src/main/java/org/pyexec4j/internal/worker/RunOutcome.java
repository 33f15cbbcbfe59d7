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
 * @param breach why its control connection was broken off, when what came over it was not
 *     the protocol (code can write to that descriptor); {@code null} otherwise
 * @param engineFailure what failed in the worker's own code before it ended (the code broke
 *     something the engine uses), as it said; {@code null} otherwise
 * @param wall time from sending the code to the end of the run
 */
public record RunOutcome(WorkerMessage.Done done, boolean killedAfterGrace, ZygoteMessage.Exited exit, String breach,
                         String engineFailure, Duration wall) {}
