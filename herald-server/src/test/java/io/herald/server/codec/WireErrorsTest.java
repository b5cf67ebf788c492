package io.herald.server.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The one mapping of errors and disconnects to the wire (docs/protocol.md, "Errors", "Disconnect codes"). */
class WireErrorsTest {

    @Test
    void everyErrorCodeHasItsHttpStatus() {
        Map<ErrorCode, Integer> expected = new EnumMap<>(ErrorCode.class);
        for (ErrorCode c : new ErrorCode[] {ErrorCode.INVALID_CHANNEL, ErrorCode.INVALID_EVENT, ErrorCode.INVALID_SINCE,
                ErrorCode.INVALID_CALLBACK, ErrorCode.INVALID_PARAMETER, ErrorCode.INVALID_JSON, ErrorCode.INVALID_COMMAND}) {
            expected.put(c, 400);
        }
        expected.put(ErrorCode.UNAUTHORIZED, 401);
        expected.put(ErrorCode.TOKEN_EXPIRED, 401);
        expected.put(ErrorCode.PUBLISH_FORBIDDEN, 403);
        expected.put(ErrorCode.FORBIDDEN, 403);
        expected.put(ErrorCode.NOT_FOUND, 404);
        expected.put(ErrorCode.METHOD_NOT_ALLOWED, 405);
        expected.put(ErrorCode.ALREADY_SUBSCRIBED, 409);
        expected.put(ErrorCode.NOT_SUBSCRIBED, 409);
        expected.put(ErrorCode.PAYLOAD_TOO_LARGE, 413);
        expected.put(ErrorCode.TOO_MANY_REQUESTS, 429);
        expected.put(ErrorCode.ORIGIN_NOT_ALLOWED, 403);
        expected.put(ErrorCode.HEADERS_TOO_LARGE, 431);
        expected.put(ErrorCode.REQUEST_TIMEOUT, 408);
        expected.put(ErrorCode.PRESENCE_DISABLED, 404);
        expected.put(ErrorCode.INTERNAL, 500);
        expected.put(ErrorCode.BROKER_UNAVAILABLE, 503);
        expected.put(ErrorCode.OVERLOADED, 503);
        expected.put(ErrorCode.SHUTTING_DOWN, 503);
        assertThat(expected).hasSize(ErrorCode.values().length);
        expected.forEach((code, status) -> assertThat(WireErrors.httpStatus(code).code()).as(code.code()).isEqualTo(status));
    }

    @Test
    void refusalsCarryTheBearerChallengeOfRfc6750() {
        assertThat(WireErrors.challenge(ErrorCode.UNAUTHORIZED, false)).isEqualTo("Bearer");
        assertThat(WireErrors.challenge(ErrorCode.UNAUTHORIZED, true)).isEqualTo("Bearer error=\"invalid_token\"");
        assertThat(WireErrors.challenge(ErrorCode.TOKEN_EXPIRED, false)).isEqualTo("Bearer error=\"invalid_token\"");
        assertThat(WireErrors.challenge(ErrorCode.FORBIDDEN, true)).isNull();
        assertThat(WireErrors.challenge(ErrorCode.INVALID_PARAMETER, true)).isNull();
    }

    @Test
    void aFailureThatEndsASessionGivesTheSameAdviceOnEveryWire() {
        assertThat(WireErrors.disconnectFor(ErrorCode.BROKER_UNAVAILABLE)).isEqualTo(Disconnect.SERVER_ERROR);
        assertThat(WireErrors.disconnectFor(ErrorCode.OVERLOADED)).isEqualTo(Disconnect.SERVER_ERROR);
        assertThat(WireErrors.disconnectFor(ErrorCode.INTERNAL)).isEqualTo(Disconnect.SERVER_ERROR);
        assertThat(WireErrors.disconnectFor(ErrorCode.SHUTTING_DOWN)).isEqualTo(Disconnect.SHUTDOWN);
        assertThat(WireErrors.disconnectFor(ErrorCode.PAYLOAD_TOO_LARGE)).isEqualTo(Disconnect.MESSAGE_TOO_BIG);
        assertThat(WireErrors.disconnectFor(ErrorCode.PUBLISH_FORBIDDEN)).isEqualTo(Disconnect.POLICY_VIOLATION);
        assertThat(WireErrors.disconnectFor(ErrorCode.INVALID_CHANNEL)).isEqualTo(Disconnect.POLICY_VIOLATION);
        assertThat(WireErrors.disconnectFor(ErrorCode.BROKER_UNAVAILABLE).reconnect()).isTrue();
        assertThat(WireErrors.disconnectFor(ErrorCode.PUBLISH_FORBIDDEN).reconnect()).isFalse();
    }

    @Test
    void bodiesAndGoodbyesHaveTheContractsExactShape() {
        assertThat(new String(WireErrors.httpBody(ErrorCode.INVALID_SINCE, "since 'x' \"quoted\""), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":{\"code\":\"invalid_since\",\"message\":\"since 'x' \\\"quoted\\\"\"}}");
        assertThat(WireErrors.disconnectJson(Disconnect.SLOW))
                .isEqualTo("{\"code\":4000,\"reason\":\"slow consumer: outbound queue full\",\"reconnect\":true}");
        assertThat(WireErrors.disconnectJson(Disconnect.POLICY_VIOLATION))
                .isEqualTo("{\"code\":1008,\"reason\":\"policy violation\",\"reconnect\":false}");
        for (Disconnect d : Disconnect.values()) {
            assertThat(WireErrors.closeCode(d)).isEqualTo(d.code());
        }
    }

    @Test
    void aFailureIsUnwrappedAndAnUnexpectedOneNeverShowsItsDetails() {
        HeraldException known = new HeraldException(ErrorCode.OVERLOADED, "retry later");
        assertThat(WireErrors.failure(new CompletionException(known), "test")).isSameAs(known);
        HeraldException bug = WireErrors.failure(new CompletionException(new NullPointerException("field x")), "test");
        assertThat(bug.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(bug.getMessage()).isEqualTo("internal server error");
        assertThat(WireErrors.httpStatus(bug.code()).code()).isEqualTo(500);
    }
}
