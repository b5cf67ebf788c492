package io.herald.server.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A raw WebSocket subscriber that gave no {@code since} receives every publication accepted after
 * its {@code 101}, on any node (docs/protocol.md, "WebSocket, raw"): on Redis a new channel's
 * subscription goes live only once Redis confirmed the node's SUBSCRIBE, a round trip after the
 * handshake, so the route resumes from the channel's position read before answering. Each round
 * uses a channel new to both nodes and publishes on the other node the moment the handshake is
 * done. Real sockets, a real redis-server.
 */
@Timeout(120)
class RawWebSocketLiveTest {
    @Test
    void aPublicationMadeRightAfterThe101ReachesARawSubscriberWithoutSinceOnAnotherNode() throws Exception {
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(b -> { });
             TestServer b = redis.node(c -> { })) {
            a.publish("warm-up", "x"); // both nodes' connections are up
            for (int round = 0; round < 40; round++) {
                String channel = "fresh" + round;
                try (WsClient subscriber = WsClient.connect(b, "/ws/" + channel)) {
                    a.publish(channel, "first" + round);
                    a.publish(channel, "second" + round);
                    assertThat(subscriber.nextText()).as("round %d", round).isEqualTo("first" + round);
                    assertThat(subscriber.nextText()).as("round %d", round).isEqualTo("second" + round);
                }
            }
        }
    }
}
