package io.herald.server.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Payload;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Access control on {@code /sockjs} as on {@code /ws} (docs/protocol.md, "SockJS" and "WebSocket
 * protocol"): the first command must be {@code connect} with a token; anything else first is
 * {@code unauthorized} and the session closes {@code 4401}; a connected session is served the
 * channels its token grants and refused the others with the session kept.
 */
@Timeout(60)
class SockJsAuthTest {
    private final TestTokens tokens = TestTokens.create();

    private String token(String sub, String... channels) {
        return tokens.sign(TestTokens.claims(sub, Duration.ofHours(1)).claim("grants",
                Map.of("subscribe", List.of(channels), "history", List.of(channels))));
    }

    private static List<JsonNode> messages(String frame) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode m : TestServer.JSON.readTree(frame.substring(1))) {
            out.add(TestServer.json(m.textValue()));
        }
        return out;
    }

    @Test
    void aCommandBeforeConnectIsUnauthorizedAndCloses4401() throws Exception {
        try (TestServer t = tokens.start()) {
            String s = "/sockjs/000/" + UUID.randomUUID();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            assertThat(t.post(s + "/xhr_send", "[\"{\\\"id\\\":1,\\\"op\\\":\\\"subscribe\\\",\\\"channel\\\":\\\"doc:1\\\"}\"]",
                    "text/plain").statusCode()).isEqualTo(204);
            String frame = t.post(s + "/xhr", "", null).body();
            List<JsonNode> got = messages(frame.strip());
            assertThat(got.get(0).at("/error/code").asText()).isEqualTo("unauthorized");
            assertThat(got.get(1).at("/disconnect/code").asInt()).isEqualTo(4401);
            assertThat(t.post(s + "/xhr", "", null).body()).startsWith("c[4401,");
            t.awaitNoSessions();
        }
    }

    @Test
    void aConnectedSessionIsServedWhatItsTokenGrants() throws Exception {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/sockjs/000/" + UUID.randomUUID() + "/websocket");
            assertThat(ws.nextText()).isEqualTo("o");
            ws.send(TestServer.JSON.writeValueAsString(List.of(
                    "{\"id\":1,\"op\":\"connect\",\"token\":\"" + token("42", "doc:1") + "\"}",
                    "{\"id\":2,\"op\":\"subscribe\",\"channel\":\"doc:1\"}",
                    "{\"id\":3,\"op\":\"subscribe\",\"channel\":\"doc:2\"}")));
            List<JsonNode> got = new ArrayList<>();
            while (got.size() < 3) {
                got.addAll(messages(ws.nextText()));
            }
            assertThat(got.get(0).get("expires_in").asLong()).isBetween(3590L, 3600L);
            assertThat(got).anySatisfy(m -> assertThat(m.path("id").asInt() == 2 && m.path("ok").asBoolean()).isTrue());
            assertThat(got).anySatisfy(m -> {
                assertThat(m.path("id").asInt()).isEqualTo(3);
                assertThat(m.at("/error/code").asText()).isEqualTo("forbidden");
            });
            t.server().publish("doc:1", null, Payload.text("granted")).join();
            assertThat(messages(ws.nextText()).get(0).get("data").asText()).isEqualTo("granted");
            ws.close();
        }
    }
}
