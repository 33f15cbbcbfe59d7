package org.pyexec4j.internal.worker;

import java.io.IOException;

/**
 * What came over a worker's control connection is not the protocol: a line that is not a
 * message, or longer than any the worker sends. The worker's own code never does this; code
 * it runs can, by writing to the connection's descriptor. The connection is broken off.
 */
final class ProtocolBreach extends IOException {
    ProtocolBreach(String message, Throwable cause) {
        super(message, cause);
    }
}
