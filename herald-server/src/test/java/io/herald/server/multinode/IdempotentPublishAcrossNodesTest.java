package io.herald.server.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An idempotency key is the channel's, not a node's (docs/protocol.md, "Idempotent publishing"): a
 * publish retried on another node of the same Redis with the same key is answered with the first
 * publication's id, and the subscribers of both nodes receive it once. Real sockets, a real
 * redis-server.
 */
@Timeout(60)
class IdempotentPublishAcrossNodesTest {
    private static HttpResponse<String> post(TestServer node, String channel, String body, String key) {
        return node.send(HttpRequest.newBuilder(node.uri("/pub/" + channel)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("Content-Type", "text/plain").header("Idempotency-Key", key).build());
    }

    @Test
    void aRetryOnAnotherNodeWithTheSameKeyIsTheSamePublication() throws Exception {
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(c -> { });
             TestServer b = redis.node(c -> { });
             WsClient onA = WsClient.connect(a, "/ws/orders?since=" + Reading.position(a, "orders"));
             WsClient onB = WsClient.connect(b, "/ws/orders?since=" + Reading.position(b, "orders"))) {
            HttpResponse<String> first = post(a, "orders", "order 1", "req-7f3a");
            HttpResponse<String> retry = post(b, "orders", "order 1", "req-7f3a");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
            assertThat(TestServer.json(retry.body()).get("id").asText())
                    .isEqualTo(TestServer.json(first.body()).get("id").asText());
            b.publish("orders", "order 2");
            for (WsClient subscriber : new WsClient[] {onA, onB}) {
                assertThat(subscriber.nextText()).isEqualTo("order 1");
                assertThat(subscriber.nextText()).as("no second copy of order 1").isEqualTo("order 2");
            }
        }
    }
}
