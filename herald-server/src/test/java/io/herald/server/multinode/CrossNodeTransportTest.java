package io.herald.server.multinode;

import static io.herald.server.multinode.Reading.nextAfter;
import static io.herald.server.multinode.Reading.nextSignal;
import static io.herald.server.multinode.Reading.position;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient;
import io.herald.server.transport.contract.TransportClient.Subscription;
import io.herald.server.transport.contract.TransportClients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Herald nodes on one Redis are one server, on every push transport (issue 11): a publication made
 * on one of three nodes reaches the subscribers of all three, in order and once; a subscriber that
 * leaves one of two nodes resumes on the other from its last id, with the transport's own position
 * mechanism
 * ({@code Last-Event-ID}, {@code since}), with no loss and no duplicate while publishing goes on.
 * Real sockets, a real redis-server of each test's own.
 */
@Timeout(120)
class CrossNodeTransportTest {
    static Stream<Named<TransportClient>> transports() {
        return TransportClients.all().stream().map(c -> Named.of(c.name(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aPublicationOnOneOfThreeNodesReachesTheSubscribersOfEveryNodeInOrderOnce(TransportClient client) throws Exception {
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(client::configure);
             TestServer b = redis.node(client::configure);
             TestServer c = redis.node(client::configure);
             WsClient publisher = WsClient.connect(a, "/ws")) {
            String start = position(a, "room");
            try (Subscription onB = client.open(b, "room", start); Subscription onC = client.open(c, "room", start);
                 Subscription onA = client.open(a, "room", start)) {
                List<String> ids = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    String text = "m" + i;
                    texts.add(text);
                    if (i % 3 == 2) {
                        // the WebSocket protocol's publish command, on node A
                        publisher.send("{\"id\":" + i + ",\"op\":\"publish\",\"channel\":\"room\",\"data\":\"" + text + "\"}");
                        JsonNode reply = publisher.nextJson();
                        assertThat(reply.path("ok").asBoolean()).as("publish reply %s", reply).isTrue();
                        ids.add(reply.get("position").asText());
                    } else {
                        ids.add(a.publish("room", text).get("id").asText());
                    }
                }
                for (Subscription s : List.of(onB, onC, onA)) {
                    String last = start;
                    for (int i = 0; i < ids.size(); i++) {
                        Signal p = nextAfter(s, last);
                        assertThat(p.id()).isEqualTo(ids.get(i));
                        assertThat(p.data()).isEqualTo(texts.get(i));
                        last = p.id();
                    }
                }
                // Exactly once: what comes next on each node is a new publication, not a repeat.
                String end = a.publish("room", "end").get("id").asText();
                for (Subscription s : List.of(onB, onC, onA)) {
                    Signal p = nextSignal(s);
                    assertThat(p.kind()).isEqualTo(Kind.PUBLICATION);
                    assertThat(p.id()).isEqualTo(end);
                    assertThat(p.data()).isEqualTo("end");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aSubscriberResumesOnTheOtherNodeWithoutLossOrDuplicateWhilePublishingGoesOn(TransportClient client) throws Exception {
        int total = 300;
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(client::configure);
             TestServer b = redis.node(client::configure)) {
            String last = position(a, "resume");
            List<String> received = new ArrayList<>();
            int moves = 0;
            try (HttpPublisher publisher = HttpPublisher.start(a, "resume", "m", total, 2_000_000)) {
                while (received.size() < total) {
                    // alternately on B and on A, each time from the last id the other node gave
                    TestServer node = moves++ % 2 == 0 ? b : a;
                    try (Subscription s = client.open(node, "resume", last)) {
                        int take = ThreadLocalRandom.current().nextInt(1, 40);
                        for (int i = 0; i < take && received.size() < total; i++) {
                            Signal p = nextAfter(s, last);
                            received.add(p.data());
                            last = p.id();
                        }
                        if (received.size() == total) {
                            publisher.join();
                            String end = a.publish("resume", "end").get("id").asText();
                            Signal p = nextSignal(s);
                            assertThat(p.id()).as("the next after everything: a new one, not a repeat").isEqualTo(end);
                        }
                    }
                }
                assertThat(publisher.refused()).isZero();
                assertThat(received).containsExactlyElementsOf(publisher.texts());
            }
            assertThat(moves).as("subscriptions it took").isGreaterThan(3);
        }
    }
}
