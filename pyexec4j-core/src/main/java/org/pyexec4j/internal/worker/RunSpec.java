package org.pyexec4j.internal.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** What a worker needs to run one piece of code. */
public record RunSpec(String code, Path workdir, Duration timeout, Duration grace, int uid) {
    public RunSpec {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(workdir, "workdir");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
    }
}
