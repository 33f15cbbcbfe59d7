package org.pyexec4j;

import java.time.Duration;
import java.util.Objects;

/**
 * What a run used.
 *
 * @param wall wall-clock time seen by the engine, from sending the code to the result
 * @param cpu CPU time of the worker and the children it waited for, during the run
 * @param peakMemoryBytes peak resident memory of the worker (or its largest child)
 */
public record ResourceUsage(Duration wall, Duration cpu, long peakMemoryBytes) {
    public ResourceUsage {
        Objects.requireNonNull(wall, "wall");
        Objects.requireNonNull(cpu, "cpu");
    }
}
