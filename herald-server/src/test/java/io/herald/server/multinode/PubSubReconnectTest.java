package io.herald.server.multinode;

import static io.herald.server.multinode.Reading.nextSignal;
import static io.herald.server.multinode.Reading.position;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient;
import io.herald.server.transport.contract.TransportClient.Subscription;
import io.herald.server.transport.contract.TransportClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's Redis pub/sub connection lost (killed by Redis with {@code CLIENT KILL TYPE pubsub}, or
 * Redis restarted) while its subscribers stay: no subscriber ever skips a publication silently.
 */
@Timeout(120)
class PubSubReconnectTest {
    @Test
    void killedPubSubConnectionsNeverMakeASubscriberSkipSilently() throws Exception {
        assertThat(pubSubKilledUnderPublishing()).as("4001s (each followed by a resume)").isNotNegative();
    }

    @Test
    void killedPubSubConnectionsAreCaughtUpFromHistoryWithoutDisconnectingAnyone() throws Exception {
        assertThat(pubSubKilledUnderPublishing()).as("4001s").isZero();
    }

    @Test
    void anIdleSubscriberLearnsOfARedisRestartWithoutANewPublication() throws Exception {
        // a short reset spread: this test is about whether the 4001 comes, not when
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(cfg -> cfg.node(io.herald.core.NodeConfig.builder().resetSpread(Duration.ofMillis(300)).build()))) {
            String last = a.publish("idle", "before").get("id").asText();
            try (Subscription s = TransportClients.sse().open(a, "idle", last)) {
                TestServer.await("the subscription", Duration.ofSeconds(10), () -> a.server().node().subscriptionCount() == 1);
                redis.stopRedis(false);
                redis.startRedis(false);
                Signal bye = nextSignal(s);
                assertThat(bye.kind()).as("the goodbye, got %s", bye).isEqualTo(Kind.GOODBYE);
                assertThat(bye.code()).isEqualTo(Disconnect.INSUFFICIENT_STATE.code());
            }
        }
    }

    /**
     * Subscribers of the streaming transports on two nodes; a publisher on A; Redis kills every
     * pub/sub connection mid-stream. Each subscriber either receives the next offset or is ended
     * with {@code 4001} and resumes from its last id; in the end each received exactly what was
     * published, in order.
     *
     * @return how many times a subscriber was ended with 4001
     */
    private static int pubSubKilledUnderPublishing() throws Exception {
        int total = 400;
        int disconnects = 0;
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(cfg -> cfg.paddingBytes(16));
             TestServer b = redis.node(cfg -> cfg.paddingBytes(16))) {
            String start = position(a, "p");
            List<TransportClient> clients = new ArrayList<>();
            List<TestServer> nodes = new ArrayList<>();
            List<Subscription> subscriptions = new ArrayList<>();
            List<List<String>> received = new ArrayList<>();
            try (HttpPublisher publisher = HttpPublisher.start(a, "p", "m", total, 2_000_000)) {
                for (TransportClient client : TransportClients.all()) {
                    if (client.cannot(TransportClient.Behaviour.HEARTBEAT) == null) {
                        for (TestServer node : List.of(a, b)) {
                            clients.add(client);
                            nodes.add(node);
                            subscriptions.add(client.open(node, "p", start));
                            received.add(new ArrayList<>(List.of(start)));
                        }
                    }
                }
                boolean killed = false;
                for (int i = 0; i < subscriptions.size(); i++) {
                    List<String> ids = received.get(i);
                    while (ids.size() <= total) {
                        String last = ids.get(ids.size() - 1);
                        Signal next = nextSignal(subscriptions.get(i));
                        if (next.kind() == Kind.PUBLICATION) {
                            Reading.assertFollows(next, last);
                            ids.add(next.id());
                        } else {
                            assertThat(next.kind()).as("%s: a publication or the 4001 goodbye, got %s", clients.get(i).name(), next)
                                    .isEqualTo(Kind.GOODBYE);
                            if (next.code() != null) {
                                assertThat(next.code()).isEqualTo(Disconnect.INSUFFICIENT_STATE.code());
                            }
                            disconnects++;
                            assertThat(nextSignal(subscriptions.get(i)).kind()).isEqualTo(Kind.END);
                            subscriptions.get(i).close();
                            subscriptions.set(i, clients.get(i).open(nodes.get(i), "p", last));
                        }
                        if (!killed && ids.size() == 30) {
                            killed = true;
                            assertThat(redis.redis().command("CLIENT KILL TYPE pubsub")).as("connections killed").isEqualTo(":2");
                        }
                    }
                }
                publisher.join();
                assertThat(publisher.acknowledged()).hasSize(total);
                for (List<String> ids : received) {
                    assertThat(ids.subList(1, ids.size())).containsExactlyElementsOf(publisher.acknowledged());
                }
            } finally {
                subscriptions.forEach(Subscription::close);
            }
        }
        return disconnects;
    }
}
