package org.pyexec4j.cli.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestParserTest {
    private final RequestParser parser = new RequestParser(1 << 20);

    private Request parse(String line) throws BadRequest {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return parser.parse(b, b.length);
    }

    private BadRequest bad(String line) {
        try {
            parse(line);
        } catch (BadRequest e) {
            return e;
        }
        throw new AssertionError("accepted: " + line);
    }

    @Test
    void aRunWithEveryField() throws BadRequest {
        Request r = parse("{\"id\": 7, \"op\": \"run\", \"session\": \"a\", \"code\": \"x\", \"reset\": false,"
                + " \"timeout\": 2.5, \"stream\": true, \"extra\": {\"ignored\": [1, 2]}}");
        assertThat(r).isEqualTo(new Request.Run(new RequestId("7"), "a", "x", false, Duration.ofMillis(2500), true));
    }

    @Test
    void defaults() throws BadRequest {
        assertThat(parse("{\"code\": \"x\"}"))
                .isEqualTo(new Request.Run(RequestId.NONE, "default", "x", true, null, false));
        assertThat(parse("{\"id\": \"q\", \"op\": \"close\"}")).isEqualTo(new Request.Close(new RequestId("\"q\""), "default"));
        assertThat(parse("{\"id\": null, \"op\": \"ping\", \"timeout\": null}")).isEqualTo(new Request.Ping(RequestId.NONE));
        assertThat(parse("{\"op\": \"interrupt\", \"session\": \"s\"}"))
                .isEqualTo(new Request.Interrupt(RequestId.NONE, "s"));
    }

    @Test
    void aByteOrderMarkIsSkipped() throws BadRequest {
        assertThat(parse("\uFEFF{\"op\": \"ping\"}")).isEqualTo(new Request.Ping(RequestId.NONE));
    }

    @Test
    void idsKeepTheirJsonText() throws BadRequest {
        assertThat(parse("{\"id\": 1.50e3, \"op\": \"ping\"}").id().json()).isEqualTo("1.50e3");
        assertThat(parse("{\"id\": -0, \"op\": \"ping\"}").id().json()).isEqualTo("-0");
        // the server's own lines escape what is not ASCII (no reader splits them at U+2028)
        assertThat(parse("{\"id\": \"a\\\"b\\u00e9\", \"op\": \"ping\"}").id().json()).isEqualTo("\"a\\\"b\\u00E9\"");
    }

    @Test
    void errorsSayWhatIsWrongAndKeepAnIdReadBeforeTheProblem() {
        assertThat(bad("{\"id\": 3, \"op\": \"run\"}").getMessage()).isEqualTo("field 'code' is required for op 'run'");
        assertThat(bad("{\"id\": 3, \"op\": \"run\"}").id().json()).isEqualTo("3");
        assertThat(bad("{\"code\": 1, \"id\": 4}").id().json()).isEqualTo("4");
        assertThat(bad("{\"id\": 5, \"code\": ").id()).isEqualTo(new RequestId("5"));
        assertThat(bad("[]").code()).isEqualTo(BadRequest.Code.BAD_REQUEST);
        assertThat(bad("{\"op\": \"fly\"}").code()).isEqualTo(BadRequest.Code.UNKNOWN_OP);
        assertThat(bad("{\"id\": [1], \"op\": \"ping\"}").id()).isEqualTo(RequestId.NONE);
        assertThat(bad("{\"code\": \"x\", \"timeout\": 1e400}").getMessage()).contains("timeout");
        assertThat(bad("{\"code\": \"x\", \"timeout\": 0}").getMessage()).contains("timeout");
        assertThat(bad("{} {}").getMessage()).contains("trailing");
        assertThat(bad("").getMessage()).contains("got nothing");
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] b = {'{', '"', 'c', 'o', 'd', 'e', '"', ':', '"', (byte) 0xc3, '"', '}'};
        assertThatThrownBy(() -> parser.parse(b, b.length)).isInstanceOf(BadRequest.class)
                .hasMessageContaining("UTF-8");
    }
}
