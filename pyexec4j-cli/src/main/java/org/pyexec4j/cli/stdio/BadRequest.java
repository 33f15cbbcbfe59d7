package org.pyexec4j.cli.stdio;

/** A request line that cannot be served; answered by an error line. */
final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    /** The protocol's error codes. */
    enum Code {
        /** Not JSON, not an object, not UTF-8, a missing or ill-typed field. */
        BAD_REQUEST("bad_request"),
        /** An {@code op} this server does not know. */
        UNKNOWN_OP("unknown_op"),
        /** A line longer than the server accepts. */
        TOO_LARGE("too_large"),
        /** The engine failed to run the request (not the code's fault). */
        ENGINE_ERROR("engine_error");

        private final String json;

        Code(String json) {
            this.json = json;
        }

        String json() {
            return json;
        }
    }

    private final transient RequestId id;
    private final Code code;

    BadRequest(RequestId id, Code code, String message) {
        super(message, null, false, false);
        this.id = id;
        this.code = code;
    }

    RequestId id() {
        return id;
    }

    Code code() {
        return code;
    }
}
