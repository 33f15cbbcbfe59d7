package org.pyexec4j.cli.stdio;

import java.time.Duration;
import java.util.Objects;

/** One request of the stdio protocol ({@code protocol.md}), checked. */
sealed interface Request {
    RequestId id();

    /** {@code op: run}: run code in a session. {@code timeout} null means the process default. */
    record Run(RequestId id, String session, String code, boolean reset, Duration timeout, boolean stream)
            implements Request {
        public Run {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(code, "code");
        }
    }

    /** {@code op: close}: end a session after its queued runs. */
    record Close(RequestId id, String session) implements Request {
        public Close {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(session, "session");
        }
    }

    /** {@code op: interrupt}: interrupt the session's running code now. */
    record Interrupt(RequestId id, String session) implements Request {
        public Interrupt {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(session, "session");
        }
    }

    /** {@code op: ping}: answered at once. */
    record Ping(RequestId id) implements Request {
        public Ping {
            Objects.requireNonNull(id, "id");
        }
    }
}
