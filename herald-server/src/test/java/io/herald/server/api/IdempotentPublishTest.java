package io.herald.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idempotent publishing (docs/protocol.md, "Idempotent publishing"): a retry with the key of a
 * stored publication is answered with that publication's id and stores and delivers nothing; keys
 * are per channel; a malformed key is {@code 400 invalid_parameter} with nothing stored. Over
 * {@code POST /pub} (the {@code Idempotency-Key} header) and the WebSocket {@code publish} command,
 * with a real server and real clients.
 */
@Timeout(60)
class IdempotentPublishTest {
    static HttpResponse<String> post(TestServer t, String channel, String body, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri("/pub/" + channel)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("Content-Type", "text/plain");
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return t.send(b.build());
    }

    @Test
    void aRetriedPostWithTheSameKeyIsAnsweredWithTheFirstIdAndDeliveredOnce() throws Exception {
        try (TestServer t = TestServer.start();
             WsClient subscriber = WsClient.connect(t, "/ws/orders")) {
            HttpResponse<String> first = post(t, "orders", "order 1", "2f1c9e6a-order-1");
            HttpResponse<String> retry = post(t, "orders", "order 1", "2f1c9e6a-order-1");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(retry.body())).isEqualTo(TestServer.json(first.body()));
            JsonNode second = TestServer.json(post(t, "orders", "order 2", "2f1c9e6a-order-2").body());
            assertThat(second.get("offset").asLong()).isEqualTo(TestServer.json(first.body()).get("offset").asLong() + 1);
            // The same key on another channel is another publication.
            assertThat(post(t, "invoices", "x", "2f1c9e6a-order-1").statusCode()).isEqualTo(200);
            assertThat(subscriber.nextText()).isEqualTo("order 1");
            assertThat(subscriber.nextText()).isEqualTo("order 2");
            t.publish("orders", "order 3");
            assertThat(subscriber.nextText()).as("no second copy of order 1").isEqualTo("order 3");
            JsonNode history = TestServer.json(t.get("/history/orders?limit=10").body());
            assertThat(history.get("messages")).hasSize(3);
        }
    }

    @Test
    void aMalformedKeyIsRefusedAndNothingIsStored() {
        try (TestServer t = TestServer.start()) {
            for (String bad : new String[] {"", "has space", "x".repeat(129), "é", "a{b}"}) {
                HttpResponse<String> r = post(t, "c", "x", bad);
                assertThat(r.statusCode()).as("key %s", bad).isEqualTo(400);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).as("key %s", bad).isEqualTo("invalid_parameter");
            }
            assertThat(TestServer.json(t.get("/history/c?limit=10").body()).get("messages")).isEmpty();
            assertThat(post(t, "c", "x", "Ab0_.:@=+/-" + "z".repeat(117)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theWebSocketPublishCommandTakesAnIdempotencyKey() {
        try (TestServer t = TestServer.start();
             WsClient ws = WsClient.connect(t, "/ws")) {
            String command = "{\"id\":%d,\"op\":\"publish\",\"channel\":\"chat\",\"data\":\"hi\",\"idempotency_key\":\"m-1\"}";
            JsonNode first = ws.send(command.formatted(1)).nextJson();
            JsonNode retry = ws.send(command.formatted(2)).nextJson();
            assertThat(first.get("ok").asBoolean()).as("%s", first).isTrue();
            assertThat(retry.get("position").asText()).isEqualTo(first.get("position").asText());
            JsonNode bad = ws.send("{\"id\":3,\"op\":\"publish\",\"channel\":\"chat\",\"data\":\"hi\",\"idempotency_key\":\"no way\"}")
                    .nextJson();
            assertThat(bad.has("ok")).isFalse();
            assertThat(bad.at("/error/code").asText()).isEqualTo("invalid_parameter");
            assertThat(TestServer.json(t.get("/history/chat?limit=10").body()).get("messages")).hasSize(1);
        }
    }
}
