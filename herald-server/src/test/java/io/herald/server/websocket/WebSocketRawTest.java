package io.herald.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.StreamPosition;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The raw WebSocket transport, {@code /ws/{channel}}, against real sockets. */
@Timeout(60)
class WebSocketRawTest {

    @Test
    void deliversEachPublicationAsOneFrameInOrder() {
        try (TestServer t = TestServer.start()) {
            WsClient ws = WsClient.connect(t, "/ws/raw");
            awaitSubscriptions(t, 1);
            byte[] bytes = {0, 1, 2, (byte) 0xff, '\n'};
            t.publish("raw", "hello");
            t.publish("raw", "{\"a\": [1, 2]}", "application/json", "update");
            t.server().publish("raw", null, Payload.binary(bytes)).join();
            t.publish("raw", "line1\nline2 ünïcødé");

            assertThat(ws.nextText()).isEqualTo("hello");
            assertThat(ws.nextText()).isEqualTo("{\"a\": [1, 2]}");
            assertThat(ws.nextBinary()).containsExactly(bytes);
            assertThat(ws.nextText()).isEqualTo("line1\nline2 ünïcødé");
            ws.assertExhausted();
            ws.close();
        }
    }

    @Test
    void clientTextAndBinaryFramesPublishToTheChannel() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (SseReader sse = new SseReader(t.stream("/sse/talk").body())) {
                awaitSubscriptions(t, 1);
                WsClient ws = WsClient.connect(t, "/ws/talk");
                awaitSubscriptions(t, 2);
                ws.send("hi from a socket");
                byte[] bytes = {(byte) 0xca, (byte) 0xfe, 0, 7};
                ws.sendBinary(bytes);

                assertThat(sse.nextEvent().data()).isEqualTo("hi from a socket");
                assertThat(sse.nextEvent().data()).isEqualTo(Base64.getEncoder().encodeToString(bytes));
                // The sender is a subscriber too: it gets its own publications, each in its frame type.
                assertThat(ws.nextText()).isEqualTo("hi from a socket");
                assertThat(ws.nextBinary()).containsExactly(bytes);
                ws.close();
            }
            JsonNode messages = TestServer.json(t.get("/history/talk").body()).get("messages");
            assertThat(messages.get(0).get("data").asText()).isEqualTo("hi from a socket");
            assertThat(messages.get(1).get("data_b64").asText()).isEqualTo(Base64.getEncoder().encodeToString(bytes(0xca, 0xfe, 0, 7)));
        }
    }

    @Test
    void closesWith1008WhereTheNamespaceForbidsClientPublishing() {
        NodeConfig node = NodeConfig.builder()
                .namespace("ro", NamespaceOptions.builder().allowClientPublish(false).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(node))) {
            WsClient ws = WsClient.connect(t, "/ws/ro:news");
            awaitSubscriptions(t, 1);
            t.publish("ro:news", "server side is fine");
            assertThat(ws.nextText()).isEqualTo("server side is fine");

            ws.send("client side is not");
            WsClient.Frame close = ws.nextClose();
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.text()).isEqualTo("policy violation");
            assertThat(TestServer.json(t.get("/history/ro:news").body()).get("messages")).hasSize(1);
            ws.close();
        }
    }

    @Test
    void sendsAResetFrameWhenSinceIsOfAnotherEpoch() {
        try (TestServer t = TestServer.start()) {
            String id = t.publish("epochs", "one").get("id").asText();
            WsClient ws = WsClient.connect(t, "/ws/epochs?since=zzzzzz-5");
            JsonNode reset = ws.nextJson();
            assertThat(reset.get("reset").asBoolean()).isTrue();
            assertThat(reset.get("channel").asText()).isEqualTo("epochs");
            assertThat(reset.get("id").asText()).isEqualTo(id);
            t.publish("epochs", "two");
            assertThat(ws.nextText()).isEqualTo("two");
            ws.close();
        }
    }

    @Test
    void sendsAResetFrameWhenSinceIsOlderThanHistoryAndNoneWithoutSince() {
        NodeConfig node = NodeConfig.builder()
                .namespace("short", NamespaceOptions.builder().historySize(5).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(node))) {
            String last = null;
            for (int i = 1; i <= 20; i++) {
                last = t.publish("short:c", "m" + i).get("id").asText();
            }
            String epoch = StreamPosition.parse(last).epoch();
            WsClient stale = WsClient.connect(t, "/ws/short:c?since=" + epoch + "-2");
            WsClient fresh = WsClient.connect(t, "/ws/short:c");
            JsonNode reset = stale.nextJson();
            assertThat(reset.get("reset").asBoolean()).isTrue();
            assertThat(reset.get("id").asText()).isEqualTo(epoch + "-20");
            awaitSubscriptions(t, 2);
            t.publish("short:c", "m21");
            assertThat(stale.nextText()).isEqualTo("m21");
            assertThat(fresh.nextText()).isEqualTo("m21");
            fresh.assertExhausted();

            // A since inside history recovers without a reset frame.
            WsClient recent = WsClient.connect(t, "/ws/short:c?since=" + epoch + "-18");
            assertThat(List.of(recent.nextText(), recent.nextText(), recent.nextText())).containsExactly("m19", "m20", "m21");
            stale.close();
            fresh.close();
            recent.close();
        }
    }

    @Test
    void resumesByCountingFramesWithNoLossAndNoDuplicateWhileAPublisherKeepsPublishing() throws Exception {
        try (TestServer t = TestServer.start()) {
            int total = 400;
            StreamPosition start = StreamPosition.parse(
                    TestServer.json(t.get("/history/feed?limit=0").body()).get("next").asText());
            assertThat(start.offset()).isZero();
            AtomicBoolean failed = new AtomicBoolean();
            Thread publisher = publisher(t, "feed", total, failed);
            List<String> received = new ArrayList<>();

            // 1: counts frames, then the client drops the connection.
            WsClient first = WsClient.connect(t, "/ws/feed?since=" + start.id());
            while (received.size() < 50) {
                received.add(first.nextText());
            }
            first.socket().abort();
            StreamPosition counted = new StreamPosition(start.epoch(), start.offset() + received.size());

            // 2: resumes from the counted position; the server forces a reconnect mid-stream, its
            // close reason carries the same position the client counted.
            WsClient second = WsClient.connect(t, "/ws/feed?since=" + counted.id());
            while (received.size() < 150) {
                received.add(second.nextText());
            }
            t.server().node().disconnectAll(Disconnect.FORCE_RECONNECT);
            WsClient.Frame f;
            while ((f = second.nextMessage()).kind() == WsClient.Frame.Kind.TEXT) {
                received.add(f.text());
            }
            assertThat(f.kind()).isEqualTo(WsClient.Frame.Kind.CLOSE);
            assertThat(f.code()).isEqualTo(4003);
            counted = new StreamPosition(start.epoch(), start.offset() + received.size());
            assertThat(f.text()).isEqualTo("forced reconnect since=" + counted.id());
            second.close();

            // 3: resumes from the close reason's position and reads to the end.
            String since = f.text().substring(f.text().indexOf("since=") + 6);
            WsClient third = WsClient.connect(t, "/ws/feed?since=" + since);
            while (received.size() < total) {
                received.add(third.nextText());
            }
            publisher.join();
            assertThat(failed).isFalse();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= total; i++) {
                expected.add("m" + i);
            }
            assertThat(received).containsExactlyElementsOf(expected);
            third.assertExhausted();
            third.close();
        }
    }

    @Test
    void closesWith1001AndTheResumePositionWhenTheServerStops() {
        try (TestServer t = TestServer.start()) {
            WsClient raw = WsClient.connect(t, "/ws/stop");
            WsClient protocol = WsClient.connect(t, "/ws");
            protocol.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"stop\"}");
            assertThat(protocol.nextJson().get("ok").asBoolean()).isTrue();
            awaitSubscriptions(t, 2);
            String id = t.publish("stop", "last words").get("id").asText();
            assertThat(raw.nextText()).isEqualTo("last words");
            assertThat(protocol.nextJson().get("id").asText()).isEqualTo(id);

            t.shutdownWithClientsConnected();
            WsClient.Frame close = raw.nextClose();
            assertThat(close.code()).isEqualTo(1001);
            assertThat(close.text()).isEqualTo("shutdown since=" + id);
            assertThat(protocol.nextText()).isEqualTo("{\"disconnect\":{\"code\":1001,\"reason\":\"shutdown\",\"reconnect\":true}}");
            assertThat(protocol.nextClose().code()).isEqualTo(1001);
            assertThat(t.server().connectionCount()).isZero();
            assertThat(t.server().node().sessionCount()).isZero();
            raw.close();
            protocol.close();
        }
    }

    @Test
    void sendsPingFramesAsHeartbeats() {
        try (TestServer t = TestServer.start(cfg -> cfg.heartbeat(Duration.ofMillis(100)))) {
            WsClient ws = WsClient.connect(t, "/ws/beat");
            assertThat(ws.next().kind()).isEqualTo(WsClient.Frame.Kind.PING);
            assertThat(ws.next().kind()).isEqualTo(WsClient.Frame.Kind.PING);
            ws.close();
        }
    }

    /** Publishes m1..m{total} from a thread, pausing 1 ms between them so subscribers come and go meanwhile. */
    static Thread publisher(TestServer t, String channel, int total, AtomicBoolean failed) {
        Thread thread = new Thread(() -> {
            try {
                for (int i = 1; i <= total; i++) {
                    t.server().publish(channel, null, Payload.text("m" + i)).join();
                    Thread.sleep(1);
                }
            } catch (Throwable e) {
                failed.set(true);
            }
        }, "publisher");
        thread.start();
        return thread;
    }

    static void awaitSubscriptions(TestServer t, int n) {
        TestServer.await(n + " subscription(s)", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == n);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
