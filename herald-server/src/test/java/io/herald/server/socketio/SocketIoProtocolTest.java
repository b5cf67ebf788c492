package io.herald.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.testing.WsClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Socket.IO v5 packets on Herald's namespace {@code /} from the specification and docs/protocol.md's
 * "Socket.IO", over a real WebSocket: CONNECT with {@code sid} and {@code pid}, subscribe /
 * publish / unsubscribe with acks, {@code publication} events carrying the recovery offset, recovery
 * from an offset, access control with the token in the CONNECT payload, and bad packets closing only
 * their own connection.
 */
class SocketIoProtocolTest {
    private static final String WS = "/socket.io/?EIO=4&transport=websocket";

    /** A WebSocket with its Engine.IO open read; returns the client. */
    private static WsClient open(TestServer server) {
        WsClient ws = WsClient.connect(server, WS);
        assertThat(ws.nextText()).startsWith("0{");
        return ws;
    }

    /** The next Socket.IO packet (an Engine.IO message), skipping pings. */
    private static String next(WsClient ws) {
        while (true) {
            String t = ws.nextText();
            if (!t.equals("2")) {
                assertThat(t).startsWith("4");
                return t.substring(1);
            }
            ws.send("3");
        }
    }

    private static JsonNode array(String packet, String prefix) {
        assertThat(packet).startsWith(prefix);
        return TestServer.json(packet.substring(prefix.length()));
    }

    @Test
    void eventsSubscribePublishAndUnsubscribeWithAcks() {
        try (TestServer server = TestServer.start(); WsClient ws = open(server)) {
            ws.send("40");
            JsonNode connected = TestServer.json(next(ws).substring(1));
            assertThat(connected.path("sid").asText()).isNotEmpty();
            assertThat(connected.path("pid").asText()).isNotEmpty();

            ws.send("421[\"subscribe\",{\"channel\":\"news\"}]");
            JsonNode ack = array(next(ws), "31").get(0);
            assertThat(ack.path("ok").asBoolean()).isTrue();
            assertThat(ack.path("reset").asBoolean()).isFalse();
            String start = ack.path("position").asText();
            JsonNode subscribed = array(next(ws), "2");
            assertThat(subscribed.get(0).asText()).isEqualTo("subscribed");
            assertThat(subscribed.get(2).asText()).isEqualTo("news=" + start);

            String id = server.publish("news", "hello").path("id").asText();
            JsonNode publication = array(next(ws), "2");
            assertThat(publication.get(0).asText()).isEqualTo("publication");
            assertThat(publication.get(1).path("id").asText()).isEqualTo(id);
            assertThat(publication.get(1).path("data").asText()).isEqualTo("hello");
            assertThat(publication.get(2).asText()).as("the offset: the socket's cursor").isEqualTo("news=" + id);

            ws.send("422[\"publish\",{\"channel\":\"news\",\"data\":{\"x\":1},\"event\":\"note\"}]");
            List<String> two = List.of(next(ws), next(ws));
            String published = two.stream().filter(p -> p.startsWith("32")).findFirst().orElseThrow();
            assertThat(array(published, "32").get(0).path("offset").asLong()).isEqualTo(2);
            JsonNode own = array(two.stream().filter(p -> p.startsWith("2[")).findFirst().orElseThrow(), "2");
            assertThat(own.get(1).path("event").asText()).isEqualTo("note");
            assertThat(own.get(1).path("data").path("x").asInt()).isEqualTo(1);

            ws.send("423[\"subscribe\",{\"channel\":\"news\"}]");
            assertThat(array(next(ws), "33").get(0).path("error").path("code").asText()).isEqualTo("already_subscribed");
            ws.send("424[\"subscribe\",{\"channel\":\"bad channel\"}]");
            assertThat(array(next(ws), "34").get(0).path("error").path("code").asText()).isEqualTo("invalid_channel");
            ws.send("425[\"dance\",{}]");
            assertThat(array(next(ws), "35").get(0).path("error").path("code").asText()).isEqualTo("invalid_command");

            ws.send("426[\"unsubscribe\",{\"channel\":\"news\"}]");
            assertThat(array(next(ws), "36").get(0).path("ok").asBoolean()).isTrue();
            JsonNode unsubscribed = array(next(ws), "2");
            assertThat(unsubscribed.get(0).asText()).isEqualTo("unsubscribed");
            assertThat(unsubscribed.get(2).asText()).isEmpty();
        }
    }

    /**
     * On long polling, a server-side disconnect while no poll is held is not lost: the next poll gets
     * the {@code goodbye} and then the close packet (as the reference server drains its buffer before
     * closing), and the poll after it an unknown session.
     */
    @Test
    void aDisconnectWhileNoPollIsHeldGoesWithTheNextPoll() {
        try (TestServer server = TestServer.start()) {
            String open = server.get("/socket.io/?EIO=4&transport=polling").body();
            assertThat(open).startsWith("0");
            String base = "/socket.io/?EIO=4&transport=polling&sid=" + TestServer.json(open.substring(1)).path("sid").asText();
            assertThat(server.post(base, "40", "text/plain;charset=UTF-8").body()).isEqualTo("ok");
            assertThat(server.get(base).body()).startsWith("40{");
            TestServer.await("the Herald session", java.time.Duration.ofSeconds(5), () -> server.server().node().sessionCount() == 1);

            assertThat(server.server().node().disconnectAll(Disconnect.FORCE_RECONNECT)).isEqualTo(1);
            TestServer.await("the Herald session ended", java.time.Duration.ofSeconds(5),
                    () -> server.server().node().sessionCount() == 0);
            List<String> packets = List.of(server.get(base).body().split("\u001e"));
            assertThat(packets.get(packets.size() - 1)).as("the close packet last").isEqualTo("1");
            JsonNode goodbye = array(packets.stream().filter(p -> p.startsWith("42[\"goodbye\"")).findFirst()
                    .orElseThrow(() -> new AssertionError("no goodbye in " + packets)), "42");
            assertThat(goodbye.get(1).path("code").asInt()).isEqualTo(4003);
            assertThat(server.get(base).statusCode()).as("the session is gone after it").isEqualTo(400);
        }
    }

    @Test
    void aConnectWithPidAndOffsetRecoversWhatFollowedThem() {
        try (TestServer server = TestServer.start()) {
            String first = server.publish("a", "1").path("id").asText();
            server.publish("a", "2");
            server.publish("b", "x");
            String b = server.get("/history/b").body();
            String bTop = TestServer.json(b).path("next").asText();
            server.publish("a", "3");
            server.publish("b", "y");
            try (WsClient ws = open(server)) {
                ws.send("40{\"pid\":\"p-1\",\"offset\":\"a=" + first + " b=" + bTop + "\"}");
                assertThat(TestServer.json(next(ws).substring(1)).path("pid").asText()).isEqualTo("p-1");
                Map<String, List<String>> data = new java.util.HashMap<>();
                String lastOffset = null;
                for (int i = 0; i < 5; i++) { // two subscribed events, a:2 a:3 b:y
                    JsonNode e = array(next(ws), "2");
                    if (e.get(0).asText().equals("publication")) {
                        data.computeIfAbsent(e.get(1).path("channel").asText(), k -> new java.util.ArrayList<>())
                                .add(e.get(1).path("data").asText());
                    } else {
                        assertThat(e.get(0).asText()).isEqualTo("subscribed");
                        assertThat(e.get(1).path("reset").asBoolean()).isFalse();
                    }
                    lastOffset = e.get(2).asText();
                }
                assertThat(data).isEqualTo(Map.of("a", List.of("2", "3"), "b", List.of("y")));
                assertThat(lastOffset).contains("a=").contains("b=");
            }
        }
    }

    @Test
    void theTokenInTheConnectPayloadIsChecked() {
        TestTokens tokens = TestTokens.create();
        try (TestServer server = tokens.start(); WsClient ws = open(server)) {
            ws.send("40");
            JsonNode refused = TestServer.json(next(ws).substring(1));
            assertThat(refused.path("message").asText()).isEqualTo("unauthorized");
            assertThat(refused.path("data").path("code").asText()).isEqualTo("unauthorized");
            ws.send("40{\"token\":\"forged\"}");
            assertThat(TestServer.json(next(ws).substring(1)).path("message").asText()).isEqualTo("unauthorized");

            String token = tokens.sign(TestTokens.claims("42", Duration.ofHours(1)).claim("grants",
                    Map.of("subscribe", List.of("doc:1"))));
            ws.send("40{\"token\":\"" + token + "\"}");
            assertThat(next(ws)).startsWith("0{");
            ws.send("421[\"subscribe\",{\"channel\":\"doc:2\"}]");
            assertThat(array(next(ws), "31").get(0).path("error").path("code").asText()).isEqualTo("forbidden");
            ws.send("422[\"subscribe\",{\"channel\":\"doc:1\"}]");
            assertThat(array(next(ws), "32").get(0).path("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void badPacketsCloseOnlyTheirOwnConnection() {
        try (TestServer server = TestServer.start(); WsClient good = open(server)) {
            good.send("40");
            next(good);
            good.send("421[\"subscribe\",{\"channel\":\"c\"}]");
            next(good);
            next(good);
            for (String bad : List.of("4abc", "42{}", "42abc[\"x\"]", "40[1]", "45a-[\"x\"]", "42[\"x\"]", "9")) {
                try (WsClient ws = open(server)) {
                    ws.send(bad); // 42["x"]: an event before CONNECT
                    assertThat(ws.nextClose().kind()).as("after %s", bad).isEqualTo(WsClient.Frame.Kind.CLOSE);
                }
            }
            String sid = TestServer.json(server.get("/socket.io/?EIO=4&transport=polling").body().substring(1))
                    .path("sid").asText();
            assertThat(server.send(HttpRequest.newBuilder(server.uri("/socket.io/?EIO=4&transport=polling&sid=" + sid))
                    .POST(HttpRequest.BodyPublishers.ofString("4\u0000garbage")).build()).statusCode()).isEqualTo(200);
            server.publish("c", "still here");
            JsonNode publication = array(next(good), "2");
            assertThat(publication.get(1).path("data").asText()).isEqualTo("still here");
        }
    }

    /** A WebSocket whose socket of {@code /} is connected and subscribed to {@code channel} (ack 1 and the subscribed event read). */
    private static WsClient subscribed(TestServer server, String channel) {
        WsClient ws = open(server);
        ws.send("40");
        assertThat(next(ws)).startsWith("0{");
        ws.send("421[\"subscribe\",{\"channel\":\"" + channel + "\"}]");
        assertThat(array(next(ws), "31").get(0).path("ok").asBoolean()).isTrue();
        assertThat(array(next(ws), "2").get(0).asText()).isEqualTo("subscribed");
        return ws;
    }

    /**
     * The WebSocket rate limits ({@code limits.ws.*}, docs/protocol.md "Limits") apply to a socket's
     * events as to commands on {@code /ws}: a {@code publish} over the publication rate and an event
     * over the command rate are not carried out and get {@code too_many_requests} (in the ack, or as
     * an {@code error} event without one); the third refusal within 10 s ends the socket with the
     * goodbye {@code 4429}, counted as on {@code /ws}. Another socket is not affected.
     */
    @Test
    void eventsOverTheRateLimitsAreRefusedAndTheThirdRefusalEndsTheSocketWith4429() {
        try (TestServer server = TestServer.start(c -> c.wsCommandRate(1).wsCommandBurst(3).wsPublishRate(1).wsPublishBurst(1));
             WsClient witness = subscribed(server, "w");
             WsClient ws = subscribed(server, "c")) {
            ws.send("422[\"publish\",{\"channel\":\"c\",\"data\":1}]");
            List<String> two = List.of(next(ws), next(ws)); // the ack and the publication, in either order
            assertThat(two).anySatisfy(p -> assertThat(array(p, "32").get(0).path("ok").asBoolean()).isTrue());
            ws.send("423[\"publish\",{\"channel\":\"c\",\"data\":2}]");
            JsonNode refused = array(next(ws), "33").get(0).path("error");
            assertThat(refused.path("code").asText()).isEqualTo("too_many_requests");
            assertThat(refused.path("message").asText()).contains("limits.ws.*");
            ws.send("42[\"subscribe\",{\"channel\":\"d\"}]"); // over the command rate, no ack: an error event
            JsonNode error = array(next(ws), "2");
            assertThat(error.get(0).asText()).isEqualTo("error");
            assertThat(error.get(1).path("code").asText()).isEqualTo("too_many_requests");
            ws.send("424[\"unsubscribe\",{\"channel\":\"c\"}]"); // the third refusal
            JsonNode goodbye = array(next(ws), "2");
            assertThat(goodbye.get(0).asText()).isEqualTo("goodbye");
            assertThat(goodbye.get(1).path("code").asInt()).isEqualTo(4429);
            assertThat(goodbye.get(1).path("reconnect").asBoolean()).isTrue();
            assertThat(ws.nextClose().kind()).isEqualTo(WsClient.Frame.Kind.CLOSE);
            TestServer.await("the socket ended 4429", Duration.ofSeconds(5),
                    () -> server.server().node().disconnectCounts().get(Disconnect.TOO_MANY_REQUESTS) == 1);
            assertThat(server.server().node().publishedCount()).as("only the first publish").isEqualTo(1);

            server.publish("w", "still here");
            assertThat(array(next(witness), "2").get(1).path("data").asText()).isEqualTo("still here");
        }
    }

    /**
     * Binary arguments in Herald's events (BINARY_EVENT) are answered {@code invalid_command}, in
     * the ack or as an {@code error} event, and the socket stays usable; a packet announcing more
     * attachments than the bound, or attachments over {@code maxPayload} together, closes its own
     * connection only. Never a stack trace, never a hang.
     */
    @Test
    void binaryArgumentsAreAnsweredInvalidCommandAndTooManyOrTooLargeAttachmentsCloseOnlyTheirConnection() {
        try (TestServer server = TestServer.start(b -> b.node(io.herald.core.NodeConfig.builder().maxPayloadBytes(1024).build()));
             WsClient witness = subscribed(server, "w");
             WsClient ws = subscribed(server, "c")) {
            ws.send("451-2[\"publish\",{\"channel\":\"c\",\"data\":{\"_placeholder\":true,\"num\":0}}]");
            ws.sendBinary(new byte[] {1, 2, 3});
            JsonNode refused = array(next(ws), "32").get(0).path("error");
            assertThat(refused.path("code").asText()).isEqualTo("invalid_command");
            assertThat(refused.path("message").asText()).contains("binary attachments").doesNotContain("Exception");
            ws.send("451-[\"subscribe\",{\"channel\":{\"_placeholder\":true,\"num\":0}}]"); // no ack: an error event
            ws.sendBinary(new byte[] {4});
            JsonNode error = array(next(ws), "2");
            assertThat(error.get(0).asText()).isEqualTo("error");
            assertThat(error.get(1).path("code").asText()).isEqualTo("invalid_command");
            assertThat(error.get(2).asText()).as("the offset, as on every event").startsWith("c=");
            ws.send("423[\"publish\",{\"channel\":\"c\",\"data\":\"text\"}]");
            List<String> two = List.of(next(ws), next(ws));
            assertThat(two).anySatisfy(p -> assertThat(array(p, "33").get(0).path("ok").asBoolean()).isTrue());

            for (String announce : List.of("4511-[\"publish\",{}]", "452-[\"publish\",{}]")) {
                try (WsClient hostile = open(server)) {
                    hostile.send("40");
                    assertThat(next(hostile)).startsWith("0{");
                    hostile.send(announce);
                    if (announce.startsWith("452-")) {
                        hostile.sendBinary(new byte[700]);
                        hostile.sendBinary(new byte[700]); // 1400 bytes together, over maxPayload (1024)
                    }
                    assertThat(hostile.nextClose().kind()).as(announce).isEqualTo(WsClient.Frame.Kind.CLOSE);
                }
            }
            server.publish("w", "still here");
            assertThat(array(next(witness), "2").get(1).path("data").asText()).isEqualTo("still here");
            server.publish("c", "and here");
            assertThat(array(next(ws), "2").get(1).path("data").asText()).isEqualTo("and here");
        }
    }
}
