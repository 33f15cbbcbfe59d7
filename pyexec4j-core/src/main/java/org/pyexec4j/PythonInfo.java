package org.pyexec4j;

import java.nio.file.Path;
import java.util.Objects;

/** The Python interpreter an {@link Interpreter} runs: its real path and version. */
public record PythonInfo(Path executable, String version, boolean ipythonAvailable) {
    public PythonInfo {
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(version, "version");
    }
}
