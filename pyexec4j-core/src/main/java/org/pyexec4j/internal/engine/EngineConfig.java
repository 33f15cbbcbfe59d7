package org.pyexec4j.internal.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The checked settings of an Interpreter (see {@code Interpreter.Builder}). */
public record EngineConfig(
        Path workingDirectory,
        boolean keepWorkingDirectories,
        Duration timeout,
        Duration grace,
        String runFileName,
        boolean ipythonTracebacks,
        String python,
        long outputLimitBytes,
        List<String> preload) {

    public EngineConfig {
        preload = List.copyOf(preload);
    }
}
