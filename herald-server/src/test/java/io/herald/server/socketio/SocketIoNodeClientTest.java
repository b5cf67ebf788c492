package io.herald.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The npm {@code socket.io-client} in Node against Herald's {@code /socket.io/} (docs/protocol.md,
 * "Socket.IO"): it subscribes and publishes with acks, receives publications as {@code publication}
 * events, and after a server-side disconnect ({@code 4003}, the admin switch's) reconnects with its
 * connection state recovery and receives what was published meanwhile: every publication once, in
 * order. Once with long polling only, once with the client's default (polling upgraded to WebSocket).
 */
class SocketIoNodeClientTest {

    @ParameterizedTest(name = "transports {0}")
    @ValueSource(strings = {"polling", "polling,websocket"})
    void subscribesPublishesAndRecoversAfterAForcedDisconnect(String transports) throws Exception {
        NodeSocketIoClient.assumeAvailable();
        try (TestServer server = TestServer.start();
             NodeSocketIoClient client = new NodeSocketIoClient("http://127.0.0.1:" + server.port(), null, transports)) {
            JsonNode connected = client.await("connect", l -> l.path("type").asText().equals("connect"));
            assertThat(connected.path("recovered").asBoolean()).isFalse();

            client.send("subscribe room");
            JsonNode subscribed = client.await("subscribe ack", l -> l.path("event").asText().equals("subscribe"));
            assertThat(subscribed.path("reply").path("ok").asBoolean()).as("%s", subscribed).isTrue();
            assertThat(subscribed.path("reply").path("channel").asText()).isEqualTo("room");

            for (int i = 1; i <= 20; i++) {
                server.publish("room", "{\"n\":" + i + "}", "application/json", null);
            }
            client.send("publish room {\"n\":21}");
            JsonNode published = client.await("publish ack", l -> l.path("event").asText().equals("publish"));
            assertThat(published.path("reply").path("offset").asLong()).as("%s", published).isEqualTo(21);
            client.awaitCount("publication", 21);
            if (transports.contains("websocket")) {
                client.await("upgrade", l -> l.path("type").asText().equals("upgrade"));
            }

            // The server ends the session (the admin switch's 4003): the client reconnects and recovers.
            assertThat(server.server().node().disconnectAll(Disconnect.FORCE_RECONNECT)).isEqualTo(1);
            for (int i = 22; i <= 40; i++) {
                server.publish("room", "{\"n\":" + i + "}", "application/json", null);
            }
            TestServer.await("a recovered connect", java.time.Duration.ofSeconds(20),
                    () -> client.of("connect").stream().anyMatch(l -> l.path("recovered").asBoolean()));
            server.publish("room", "{\"n\":41}", "application/json", null);
            List<JsonNode> publications = client.awaitCount("publication", 41);

            List<Long> offsets = publications.stream().map(l -> l.path("payload").path("offset").asLong()).toList();
            assertThat(offsets).as("every publication once, in order").containsExactlyElementsOf(
                    IntStream.rangeClosed(1, 41).mapToObj(i -> (long) i).toList());
            assertThat(publications.get(40).path("payload").path("data").path("n").asInt()).isEqualTo(41);
            assertThat(publications.get(40).path("offset").asText()).as("the recovery offset").startsWith("room=");
            assertThat(client.of("goodbye")).as("the goodbye before the disconnect").isNotEmpty();
            assertThat(client.of("goodbye").get(0).path("payload").path("code").asInt()).isEqualTo(4003);
            assertThat(client.of("connect")).as("one reconnect").hasSize(2);
        }
    }

    /**
     * What socket.io-client sees of Herald's refusals: a publish with a binary argument (a
     * BINARY_EVENT) is acked {@code invalid_command}; publishes over {@code limits.ws.publish-rate}
     * are acked {@code too_many_requests}; the third refusal within 10 s is the {@code goodbye}
     * {@code 4429}, after which the client reconnects, recovers its subscription and receives what
     * follows.
     */
    @org.junit.jupiter.api.Test
    void binaryArgumentsAndPublishesOverTheRateAreRefusedAndA4429EndIsRecovered() throws Exception {
        NodeSocketIoClient.assumeAvailable();
        try (TestServer server = TestServer.start(c -> c.wsPublishRate(1).wsPublishBurst(1));
             NodeSocketIoClient client = new NodeSocketIoClient("http://127.0.0.1:" + server.port(), null, "websocket")) {
            client.await("connect", l -> l.path("type").asText().equals("connect"));
            client.send("subscribe room");
            client.await("subscribe ack", l -> l.path("event").asText().equals("subscribe"));

            client.send("publish-binary room");
            JsonNode binary = client.await("publish-binary ack", l -> l.path("event").asText().equals("publish-binary"));
            assertThat(binary.path("reply").path("error").path("code").asText()).as("%s", binary).isEqualTo("invalid_command");
            for (int i = 1; i <= 3; i++) { // the burst (1) went to the binary publish: three refusals
                client.send("publish room {\"n\":" + i + "}");
            }
            TestServer.await("the socket ended 4429", java.time.Duration.ofSeconds(20),
                    () -> server.server().node().disconnectCounts().get(Disconnect.TOO_MANY_REQUESTS) == 1);
            List<JsonNode> refused = client.awaitCount("ack", 4).stream()
                    .filter(l -> l.path("event").asText().equals("publish")).toList();
            assertThat(refused).hasSize(2).allSatisfy(l ->
                    assertThat(l.path("reply").path("error").path("code").asText()).isEqualTo("too_many_requests"));
            JsonNode goodbye = client.await("the goodbye", l -> l.path("type").asText().equals("goodbye"));
            assertThat(goodbye.path("payload").path("code").asInt()).isEqualTo(4429);
            assertThat(server.server().node().publishedCount()).as("nothing published").isZero();

            TestServer.await("a recovered connect", java.time.Duration.ofSeconds(20),
                    () -> client.of("connect").stream().anyMatch(l -> l.path("recovered").asBoolean()));
            TestServer.await("the subscription restored", java.time.Duration.ofSeconds(20),
                    () -> server.server().node().subscriptionCount() == 1);
            server.publish("room", "after", "text/plain", null);
            JsonNode publication = client.awaitCount("publication", 1).get(0);
            assertThat(publication.path("payload").path("data").asText()).isEqualTo("after");
        }
    }
}
