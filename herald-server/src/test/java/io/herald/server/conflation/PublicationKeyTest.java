package io.herald.server.conflation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A publication's key (docs/protocol.md, "Conflation"): given by {@code POST /pub?key=} or the
 * WebSocket {@code publish} command's {@code key}, stored in history and in every envelope, absent
 * when none; a malformed key is refused with nothing stored. Real server, real clients.
 */
class PublicationKeyTest {

    @Test
    void aPostedKeyIsInHistoryAndInThePushedEnvelopeAndAbsentWithoutOne() {
        try (TestServer t = TestServer.start();
             WsClient ws = WsClient.connect(t, "/ws")) {
            assertThat(ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"tick:q\"}").nextJson().get("ok").asBoolean()).isTrue();
            HttpResponse<String> keyed = t.post("/pub/tick:q?key=AAPL&event=quote", "{\"p\":1}", "application/json");
            assertThat(keyed.statusCode()).as(keyed.body()).isEqualTo(200);
            t.publish("tick:q", "plain");
            JsonNode pushed = ws.nextJson();
            assertThat(pushed.get("key").asText()).isEqualTo("AAPL");
            assertThat(pushed.get("event").asText()).isEqualTo("quote");
            assertThat(pushed.has("conflated")).isFalse();
            assertThat(ws.nextJson().has("key")).isFalse();
            JsonNode messages = TestServer.json(t.get("/history/tick:q?limit=10").body()).get("messages");
            assertThat(messages).hasSize(2);
            assertThat(messages.get(0).get("key").asText()).isEqualTo("AAPL");
            assertThat(messages.get(1).has("key")).isFalse();
        }
    }

    @Test
    void aMalformedKeyIsRefusedAndNothingIsStored() {
        try (TestServer t = TestServer.start()) {
            for (String bad : new String[] {"", "has space", "x".repeat(65), "a/b", "a=b", "é"}) {
                HttpResponse<String> r = t.post("/pub/c?key=" + URLEncoder.encode(bad, StandardCharsets.UTF_8), "x", "text/plain");
                assertThat(r.statusCode()).as("key %s", bad).isEqualTo(400);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).as("key %s", bad).isEqualTo("invalid_parameter");
            }
            assertThat(TestServer.json(t.get("/history/c?limit=10").body()).get("messages")).isEmpty();
            String longest = "Ab0_.:@-" + "z".repeat(56);
            assertThat(t.post("/pub/c?key=" + longest, "x", "text/plain").statusCode()).isEqualTo(200);
            assertThat(TestServer.json(t.get("/history/c?limit=10").body()).at("/messages/0/key").asText()).isEqualTo(longest);
        }
    }

    @Test
    void theWebSocketPublishCommandTakesAKey() {
        try (TestServer t = TestServer.start();
             WsClient ws = WsClient.connect(t, "/ws")) {
            JsonNode ok = ws.send("{\"id\":1,\"op\":\"publish\",\"channel\":\"tick:q\",\"data\":{\"p\":2},\"key\":\"MSFT\"}").nextJson();
            assertThat(ok.get("ok").asBoolean()).as("%s", ok).isTrue();
            JsonNode bad = ws.send("{\"id\":2,\"op\":\"publish\",\"channel\":\"tick:q\",\"data\":\"x\",\"key\":\"no way\"}").nextJson();
            assertThat(bad.has("ok")).isFalse();
            assertThat(bad.at("/error/code").asText()).isEqualTo("invalid_parameter");
            JsonNode messages = TestServer.json(t.get("/history/tick:q?limit=10").body()).get("messages");
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0).get("key").asText()).isEqualTo("MSFT");
        }
    }
}
