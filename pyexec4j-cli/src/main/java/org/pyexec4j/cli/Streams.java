package org.pyexec4j.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The standard streams a command works with, as bytes. Tests pass their own; {@link #system()}
 * gives the process's file descriptors unbuffered and without the platform encoding, so that
 * everything the command line writes is UTF-8 whatever the locale says. {@code processStreams}:
 * they are the process's own (a terminal can be one).
 */
public record Streams(InputStream in, OutputStream out, OutputStream err, boolean processStreams) {
    public Streams {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
    }

    /** Streams of a test or an embedding program (not the process's own). */
    public Streams(InputStream in, OutputStream out, OutputStream err) {
        this(in, out, err, false);
    }

    /** The process's own stdin, stdout and stderr. */
    public static Streams system() {
        return new Streams(
                new FileInputStream(FileDescriptor.in),
                new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err),
                true);
    }

    /** A UTF-8 writer on stdout that flushes on println. */
    public PrintWriter outWriter() {
        return new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    }

    /** A UTF-8 writer on stderr that flushes on println. */
    public PrintWriter errWriter() {
        return new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    }
}
