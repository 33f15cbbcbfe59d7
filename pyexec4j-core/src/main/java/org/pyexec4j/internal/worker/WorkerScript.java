package org.pyexec4j.internal.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Python half, shipped as a resource next to this class and versioned with it. */
public final class WorkerScript {
    /** Must equal PROTOCOL_VERSION in worker.py; the zygote's hello is checked against it. */
    public static final String PROTOCOL_VERSION = "1";
    private static final String RESOURCE = "/org/pyexec4j/internal/worker.py";

    private WorkerScript() {}

    /** Writes worker.py into {@code dir} and returns its path. */
    public static Path install(Path dir) {
        Path target = dir.resolve("worker.py");
        try (InputStream in = WorkerScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("worker.py is missing from the pyexec4j-core jar (" + RESOURCE + ")");
            }
            Files.copy(in, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the worker script to " + target, e);
        }
    }
}
