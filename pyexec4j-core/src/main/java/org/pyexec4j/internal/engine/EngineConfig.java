package org.pyexec4j.internal.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.pyexec4j.IsolationLevel;
import org.pyexec4j.Limits;

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
        List<String> preload,
        IsolationLevel isolation,
        boolean requireIsolation,
        boolean network,
        Limits limits,
        Map<String, String> environment) {

    public EngineConfig {
        preload = List.copyOf(preload);
        environment = Map.copyOf(environment);
    }
}
