package org.pyexec4j;

/** Which standard stream of the Python code a piece of output was written to. */
public enum StdStream {
    STDOUT,
    STDERR;

    /** The name used in JSON: {@code "stdout"} or {@code "stderr"}. */
    public String jsonName() {
        return this == STDOUT ? "stdout" : "stderr";
    }
}
