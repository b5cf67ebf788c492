package io.herald.server.multinode;

import static io.herald.server.multinode.Reading.nextSignal;
import static io.herald.server.multinode.Reading.position;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.TransportClient.Subscription;
import io.herald.server.transport.contract.TransportClients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A channel's last subscriber on a node leaving while another arrives: the node's Redis
 * subscription must end up matching its subscribers, so a publication made on another node after
 * the churn reaches the one who stayed (a node whose UNSUBSCRIBE overtook the SUBSCRIBE would be
 * deaf to the channel while it has a subscriber). The race is narrow over sockets; {@code
 * HubBrokerOrderTest} in herald-core forces it.
 */
@Timeout(120)
class SubscribeChurnTest {
    @Test
    void aNodeStaysSubscribedOnRedisWhileItHasSubscribersWhateverTheChurn() throws Exception {
        try (RedisNodes redis = RedisNodes.start(); TestServer a = redis.node(cfg -> { }); TestServer b = redis.node(cfg -> cfg.wsCommandRate(0))) {
            List<CompletableFuture<Void>> churners = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                churners.add(CompletableFuture.runAsync(() -> {
                    try (WsClient ws = WsClient.connect(b, "/ws")) {
                        for (int i = 0; i < 250; i++) {
                            ws.send("{\"id\":" + (2 * i) + ",\"op\":\"subscribe\",\"channel\":\"churn\"}");
                            assertOk(ws.nextJson());
                            ws.send("{\"id\":" + (2 * i + 1) + ",\"op\":\"unsubscribe\",\"channel\":\"churn\"}");
                            assertOk(ws.nextJson());
                        }
                    }
                }));
            }
            CompletableFuture.allOf(churners.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            String start = position(b, "churn");
            try (Subscription s = TransportClients.sse().open(b, "churn", start)) {
                TestServer.await("the subscription", java.time.Duration.ofSeconds(10), () -> b.server().node().subscriptionCount() == 1);
                String id = a.publish("churn", "after").get("id").asText();
                Signal p = nextSignal(s);
                assertThat(p.id()).as("the publication made on A after the churn, on B").isEqualTo(id);
            }
        }
    }

    private static void assertOk(JsonNode reply) {
        assertThat(reply.path("ok").asBoolean()).as("reply %s", reply).isTrue();
    }
}
