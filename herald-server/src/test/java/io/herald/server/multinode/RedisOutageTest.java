package io.herald.server.multinode;

import static io.herald.server.multinode.Reading.nextAfter;
import static io.herald.server.multinode.Reading.nextSignal;
import static io.herald.server.multinode.Reading.position;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient;
import io.herald.server.transport.contract.TransportClient.Subscription;
import io.herald.server.transport.contract.TransportClients;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis goes away under two nodes and comes back, empty (no persistence) or with its data (an RDB
 * loaded by a Redis with another {@code run_id}): subscribers on both nodes keep their connections
 * and heartbeats meanwhile; publishing answers {@code 503 broker_unavailable} at once, never
 * hangs; {@code /health/ready} says why the node is not ready, then ready again; afterwards every
 * subscriber of every transport gets the reset signal (docs/protocol.md, "Resume rule": a live
 * stream's epoch change ends the session with {@code 4001 insufficient state}, and resuming from the
 * last id answers with the reset), then delivery goes on.
 */
@Timeout(120)
class RedisOutageTest {
    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    /** Far under {@link RedisNodes#TIMEOUT}: a publish while Redis is known to be down fails at once. */
    private static final long AT_ONCE_MS = 500;

    /**
     * Both nodes: short heartbeats, one padding for the two line-stream transports, and a short
     * reset spread (the 4001s after the restart are spread over it; the subscribers are read one
     * after the other, so the default 5 s would only slow the test down).
     */
    private static final Consumer<ServerConfig.Builder> NODE = cfg -> cfg.heartbeat(HEARTBEAT).paddingBytes(16)
            .node(io.herald.core.NodeConfig.builder().resetSpread(Duration.ofMillis(300)).build());

    @Test
    void redisRestartedWithoutItsDataResetsEverySubscriberThenDeliveryGoesOn() throws Exception {
        survivesARedisRestart(false);
    }

    @Test
    void redisRestartedWithItsDataResetsEverySubscriberThenDeliveryGoesOn() throws Exception {
        survivesARedisRestart(true);
    }

    @Test
    void redisThatStopsAnsweringFailsPublishesWithinTheTimeoutAndAPublishThatTimedOutMayStillBeDelivered() throws Exception {
        try (RedisNodes redis = RedisNodes.start(); TestServer a = redis.node(NODE); TestServer b = redis.node(NODE)) {
            String start = position(a, "r");
            try (Subscription onA = TransportClients.sse().open(a, "r", start);
                 Subscription onB = TransportClients.webSocketProtocol().open(b, "r", start)) {
                String last = a.publish("r", "before").get("id").asText();
                for (Subscription s : List.of(onA, onB)) {
                    assertThat(nextAfter(s, start).id()).isEqualTo(last);
                }
                redis.redis().freeze();
                try {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = a.post("/pub/r", "unknown", "text/plain");
                    long ms = elapsedMs(t0);
                    assertThat(r.statusCode()).as("publish to a Redis that does not answer: %s", r.body()).isEqualTo(503);
                    JsonNode error = TestServer.json(r.body()).get("error");
                    assertThat(error.get("code").asText()).isEqualTo("broker_unavailable");
                    assertThat(error.get("message").asText()).contains("no answer within " + RedisNodes.TIMEOUT.toMillis() + " ms");
                    assertThat(ms).as("ms to give up on a Redis that does not answer").isBetween(
                            RedisNodes.TIMEOUT.toMillis() - 100, RedisNodes.TIMEOUT.toMillis() + 1000);
                    JsonNode ready = TestServer.json(b.admin("/health/ready").body());
                    assertThat(ready.get("reasons").toString()).contains("broker_unreachable");
                    for (Subscription s : List.of(onA, onB)) {
                        assertThat(s.next().kind()).as("during the stall").isEqualTo(Kind.HEARTBEAT);
                    }
                } finally {
                    redis.redis().thaw();
                }
                // Redis ran the publish it had read before it stalled: stored and delivered, though
                // answered 503 (docs/protocol.md, "Publishing": the outcome of a timed-out publish is unknown).
                for (Subscription s : List.of(onA, onB)) {
                    Signal p = nextAfter(s, last);
                    assertThat(p.data()).isEqualTo("unknown");
                }
                String after = a.publish("r", "after").get("id").asText();
                for (Subscription s : List.of(onA, onB)) {
                    assertThat(nextSignal(s).id()).isEqualTo(after);
                }
                assertThat(Reading.historyIds(b, "r", start)).hasSize(3);
            }
        }
    }

    /** One stream subscription of the test: its transport, its node, its last id. */
    private static final class Subscriber {
        final TransportClient client;
        final TestServer node;
        Subscription subscription;
        String last;

        Subscriber(TransportClient client, TestServer node, String since) throws Exception {
            this.client = client;
            this.node = node;
            this.last = since;
            this.subscription = client.open(node, "r", since);
        }

        String name() {
            return client.name() + " on port " + node.port();
        }
    }

    private void survivesARedisRestart(boolean keepData) throws Exception {
        try (RedisNodes redis = RedisNodes.start(); TestServer a = redis.node(NODE); TestServer b = redis.node(NODE)) {
            String start = position(a, "r");
            List<Subscriber> subscribers = new ArrayList<>();
            try {
                // every transport that holds a connection, on both nodes
                for (TransportClient client : TransportClients.all()) {
                    if (client.cannot(TransportClient.Behaviour.HEARTBEAT) == null) {
                        subscribers.add(new Subscriber(client, a, start));
                        subscribers.add(new Subscriber(client, b, start));
                    }
                }
                List<String> before = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    before.add(a.publish("r", "before" + i).get("id").asText());
                }
                for (Subscriber s : subscribers) {
                    for (String id : before) {
                        s.last = nextAfter(s.subscription, s.last).id();
                    }
                    assertThat(s.last).as(s.name()).isEqualTo(before.get(4));
                }
                int sessions = a.server().node().sessionCount() + b.server().node().sessionCount();

                redis.stopRedis(keepData);
                for (TestServer node : List.of(a, b)) {
                    TestServer.await("node " + node.port() + " not ready", Duration.ofSeconds(10),
                            () -> node.admin("/health/ready").statusCode() == 503);
                    JsonNode ready = TestServer.json(node.admin("/health/ready").body());
                    assertThat(ready.get("ready").asBoolean()).isFalse();
                    assertThat(ready.get("reasons").toString()).contains("broker_unreachable");
                    assertThat(ready.get("broker").asText()).startsWith("redis 127.0.0.1:" + redis.redis().port() + ": ");
                }
                for (int i = 0; i < 5; i++) {
                    assertPublishFailsAtOnce(i % 2 == 0 ? a : b);
                }
                try (WsClient ws = WsClient.connect(b, "/ws")) {
                    long t0 = System.nanoTime();
                    ws.send("{\"id\":1,\"op\":\"publish\",\"channel\":\"r\",\"data\":\"lost\"}");
                    JsonNode reply = ws.nextJson();
                    assertThat(elapsedMs(t0)).as("the publish command's error reply, ms").isLessThan(AT_ONCE_MS);
                    assertThat(reply.at("/error/code").asText()).as("reply %s", reply).isEqualTo("broker_unavailable");
                }
                // The subscribers keep their connections: heartbeats go on, nothing else arrives.
                for (Subscriber s : subscribers) {
                    for (int i = 0; i < 2; i++) {
                        Signal beat = s.subscription.next();
                        assertThat(beat.kind()).as("%s during the outage", s.name()).isEqualTo(Kind.HEARTBEAT);
                    }
                }
                assertThat(a.server().node().sessionCount() + b.server().node().sessionCount())
                        .as("sessions during the outage").isEqualTo(sessions);

                redis.startRedis(keepData);
                for (TestServer node : List.of(a, b)) {
                    TestServer.await("node " + node.port() + " ready again", Duration.ofSeconds(20),
                            () -> node.admin("/health/ready").statusCode() == 200);
                }
                // Publishing goes on (a publication made before a node's pub/sub connection is back
                // reaches it late or not at all: the next one shows the epoch change all the same).
                try (HttpPublisher publisher = HttpPublisher.start(a, "r", "after", 100_000, 20_000_000)) {
                    String epoch = null;
                    for (Subscriber s : subscribers) {
                        // the publications of the new epoch end the session: 4001, then the end
                        Signal bye = nextSignal(s.subscription);
                        assertThat(bye.kind()).as("%s after the restart: the goodbye, got %s", s.name(), bye).isEqualTo(Kind.GOODBYE);
                        if (bye.code() != null) {
                            assertThat(bye.code()).as(s.name()).isEqualTo(Disconnect.INSUFFICIENT_STATE.code());
                        }
                        if (bye.id() != null) {
                            assertThat(bye.id()).as("%s: resume position", s.name()).isEqualTo(s.last);
                        }
                        assertThat(nextSignal(s.subscription).kind()).as(s.name()).isEqualTo(Kind.END);
                        s.subscription.close();
                        // resuming from the last id: the reset to the new epoch, then live publications
                        s.subscription = s.client.open(s.node, "r", s.last);
                        Signal reset = nextSignal(s.subscription);
                        assertThat(reset.kind()).as("%s resumed from %s", s.name(), s.last).isEqualTo(Kind.RESET);
                        String now = StreamPosition.parse(reset.id()).epoch();
                        assertThat(now).as(s.name()).isNotEqualTo(StreamPosition.parse(s.last).epoch());
                        if (epoch == null) {
                            epoch = now;
                        }
                        assertThat(now).as("%s: one new epoch for all", s.name()).isEqualTo(epoch);
                        s.last = reset.id();
                        for (int i = 0; i < 3; i++) {
                            s.last = nextAfter(s.subscription, s.last).id();
                        }
                    }
                    assertThat(publisher.unreachable()).isNull();
                }
                // Polling clients that were away resume from their last id the same way.
                for (TransportClient client : TransportClients.all()) {
                    if (client.cannot(TransportClient.Behaviour.HEARTBEAT) != null) {
                        try (Subscription s = client.open(b, "r", before.get(4))) {
                            Signal reset = nextSignal(s);
                            assertThat(reset.kind()).as("%s from %s", client.name(), before.get(4)).isEqualTo(Kind.RESET);
                            // The new stream holds all it had: the reset is to its start and all of it
                            // follows, in order, up to a publication made now (docs/protocol.md, "Resume rule").
                            assertThat(reset.id()).as(client.name()).endsWith("-0");
                            String next = a.publish("r", "polled").get("id").asText();
                            String last = reset.id();
                            while (!last.equals(next)) {
                                last = nextAfter(s, last).id();
                            }
                        }
                    }
                }
            } finally {
                for (Subscriber s : subscribers) {
                    s.subscription.close();
                }
            }
        }
    }

    /** A {@code POST /pub} on {@code node} answers 503 {@code broker_unavailable} well within the broker's timeout. */
    private static void assertPublishFailsAtOnce(TestServer node) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = node.post("/pub/r", "lost", "text/plain");
        long ms = elapsedMs(t0);
        assertThat(r.statusCode()).as("publish during the outage: %s", r.body()).isEqualTo(503);
        assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("broker_unavailable");
        assertThat(ms).as("ms to answer a publish while Redis is known down (timeout %s)", RedisNodes.TIMEOUT)
                .isLessThan(AT_ONCE_MS);
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
