package org.pyexec4j.cli.stdio;

/**
 * A request's {@code id} as it is echoed back: the JSON text of a string or a number exactly as
 * the client sent it, or JSON {@code null} when the request had none or could not be parsed.
 */
record RequestId(String json) {
    static final RequestId NONE = new RequestId("null");

    RequestId {
        if (json == null || json.isEmpty()) {
            throw new IllegalArgumentException("an id is JSON text, was empty");
        }
    }

    @Override
    public String toString() {
        return json;
    }
}
