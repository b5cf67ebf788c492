package io.herald.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.time.Duration;
import java.util.Base64;
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
