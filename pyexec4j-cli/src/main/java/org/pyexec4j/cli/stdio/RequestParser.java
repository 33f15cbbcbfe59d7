package org.pyexec4j.cli.stdio;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.pyexec4j.cli.stdio.BadRequest.Code;

/**
 * Turns one request line into a {@link Request}, or a {@link BadRequest} saying exactly what is
 * wrong. The line must be UTF-8 and one JSON object; unknown fields are ignored; known fields
 * must have their type ({@code null} counts as absent).
 */
final class RequestParser {
    static final String DEFAULT_SESSION = "default";
    private static final int MAX_MESSAGE = 300;
    private static final double MAX_TIMEOUT_SECONDS = org.pyexec4j.RunRequest.MAX_TIMEOUT.getSeconds();

    /** For the ids echoed back: as the answer lines' own strings are escaped. */
    private static final JsonFactory QUOTING = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final JsonFactory json;

    RequestParser(int maxLineBytes) {
        this.json = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(maxLineBytes, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                        .build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // as the engine's factory (Json.FACTORY): Jackson's own number code, not the JDK's
                .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                // the lines written with it (ids, output events, errors) stay one line for a
                // reader that also ends lines at U+2028 and U+2029 (results escape just those)
                .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
                .build();
    }

    JsonFactory factory() {
        return json;
    }

    /** Parses the first {@code length} bytes of {@code bytes} (one line, without its newline). */
    Request parse(byte[] bytes, int length) throws BadRequest {
        String text = decode(bytes, length);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark, as some Windows tools write one
        }
        Fields f = new Fields();
        try (JsonParser p = json.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new BadRequest(RequestId.NONE, Code.BAD_REQUEST,
                        "a request must be a JSON object, got " + describe(t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                f.read(name, p);
            }
            if (p.nextToken() != null) {
                throw new BadRequest(f.idOrNone(), Code.BAD_REQUEST,
                        "trailing content after the JSON object (one request per line)");
            }
        } catch (JsonProcessingException e) {
            throw new BadRequest(f.idOrNone(), Code.BAD_REQUEST, "invalid JSON: " + describe(e));
        } catch (IOException e) {
            throw new BadRequest(f.idOrNone(), Code.BAD_REQUEST, "cannot read the request: " + shorten(e.getMessage()));
        }
        return f.toRequest();
    }

    /**
     * The id of a line known only by its start (one over the limit, dropped): found when it
     * comes before the start runs out, as it does when a client writes it first; else none.
     */
    RequestId idAtStart(byte[] start) {
        Fields f = new Fields();
        try (JsonParser p = json.createParser(start)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return RequestId.NONE;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("id".equals(name)) {
                    f.readId(p, value);
                    return f.idOrNone();
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            // the start ran out before the id, or is no JSON: none
        }
        return RequestId.NONE;
    }

    /** The mutable state of one object being read; turned into a Request at its end. */
    private static final class Fields {
        RequestId id;
        boolean idInvalid;
        String firstError;
        String op = "run";
        String session = DEFAULT_SESSION;
        String code;
        Boolean reset;
        Double timeout;
        Boolean stream;

        RequestId idOrNone() {
            return id == null || idInvalid ? RequestId.NONE : id;
        }

        void read(String name, JsonParser p) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL && !"id".equals(name)) {
                return; // absent
            }
            switch (name) {
                case "id" -> readId(p, t);
                case "op" -> op = string(name, p, t, op);
                case "session" -> session = string(name, p, t, session);
                case "code" -> code = string(name, p, t, code);
                case "reset" -> reset = bool(name, p, t, reset);
                case "stream" -> stream = bool(name, p, t, stream);
                case "timeout" -> timeout = number(name, p, t);
                default -> p.skipChildren();
            }
        }

        private void readId(JsonParser p, JsonToken t) throws IOException {
            switch (t) {
                case VALUE_STRING -> id = new RequestId(quote(p.getText()));
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> id = new RequestId(p.getText());
                case VALUE_NULL -> id = RequestId.NONE;
                default -> {
                    idInvalid = true;
                    error("field 'id' must be a string or a number, got " + describe(t));
                    p.skipChildren();
                }
            }
        }

        private String string(String name, JsonParser p, JsonToken t, String old) throws IOException {
            if (t == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            error("field '" + name + "' must be a string, got " + describe(t));
            p.skipChildren();
            return old;
        }

        private Boolean bool(String name, JsonParser p, JsonToken t, Boolean old) throws IOException {
            if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                return t == JsonToken.VALUE_TRUE;
            }
            error("field '" + name + "' must be true or false, got " + describe(t));
            p.skipChildren();
            return old;
        }

        private Double number(String name, JsonParser p, JsonToken t) throws IOException {
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                double v = p.getValueAsDouble();
                if (!(v > 0) || !Double.isFinite(v) || v > MAX_TIMEOUT_SECONDS) {
                    error("field '" + name + "' must be a number of seconds > 0 (and at most "
                            + (long) MAX_TIMEOUT_SECONDS + "), got " + p.getText());
                    return null;
                }
                return v;
            }
            error("field '" + name + "' must be a number of seconds, got " + describe(t));
            p.skipChildren();
            return null;
        }

        private void error(String message) {
            if (firstError == null) {
                firstError = message;
            }
        }

        Request toRequest() throws BadRequest {
            RequestId rid = idOrNone();
            if (firstError != null) {
                throw new BadRequest(rid, Code.BAD_REQUEST, firstError);
            }
            if (session.isBlank()) {
                throw new BadRequest(rid, Code.BAD_REQUEST, "field 'session' must not be blank");
            }
            return switch (op) {
                case "run" -> {
                    if (code == null) {
                        throw new BadRequest(rid, Code.BAD_REQUEST, "field 'code' is required for op 'run'");
                    }
                    Duration limit = timeout == null ? null : Duration.ofNanos(Math.max(1, Math.round(timeout * 1e9)));
                    yield new Request.Run(rid, session, code, reset == null || reset, limit,
                            stream != null && stream);
                }
                case "close" -> new Request.Close(rid, session);
                case "interrupt" -> new Request.Interrupt(rid, session);
                case "ping" -> new Request.Ping(rid);
                default -> throw new BadRequest(rid, Code.UNKNOWN_OP,
                        "unknown op '" + shorten(op) + "'; known: run, close, interrupt, ping");
            };
        }
    }

    private static String decode(byte[] bytes, int length) throws BadRequest {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        try {
            return d.decode(in).toString();
        } catch (MalformedInputException e) {
            throw new BadRequest(RequestId.NONE, Code.BAD_REQUEST,
                    "the request line is not valid UTF-8 (bad byte at offset " + in.position() + ")");
        } catch (CharacterCodingException e) {
            throw new BadRequest(RequestId.NONE, Code.BAD_REQUEST, "the request line is not valid UTF-8");
        }
    }

    private static String quote(String s) {
        StringWriter w = new StringWriter(s.length() + 2);
        try (JsonGenerator g = QUOTING.createGenerator(w)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a string to memory", e);
        }
        return w.toString();
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    private static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getColumnNr() < 1 ? "" : " (at character " + at.getColumnNr() + ")";
        return shorten(e.getOriginalMessage()) + where;
    }

    static String shorten(String message) {
        if (message == null) {
            return "(no details)";
        }
        String one = message.strip().replaceAll("\\s*\\R\\s*", " ");
        return one.length() <= MAX_MESSAGE ? one : one.substring(0, MAX_MESSAGE) + "...";
    }
}
