package io.herald.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.broker.FaultyBroker;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker that fails asynchronously reads the same on every wire (docs/protocol.md, "Errors"):
 * {@code broker_unavailable} (503) where there is a reply, code 1011 with reconnect advice where a
 * session has to end, and the server serves again once the broker is back.
 */
@Timeout(60)
class BrokerFailureTest {
    private final FaultyBroker broker = new FaultyBroker();

    private void brokerDown() {
        broker.failWith = () -> new UncheckedIOException(new IOException("connection refused"));
    }

    private static void assertBrokerUnavailable(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("broker_unavailable");
    }

    @Test
    void requestResponseEndpointsAnswer503BrokerUnavailable() {
        try (TestServer t = TestServer.start(broker, cfg -> { })) {
            brokerDown();
            HttpResponse<String> published = t.post("/pub/c", "x", "text/plain");
            assertBrokerUnavailable(published);
            assertThat(TestServer.json(published.body()).at("/error/message").asText())
                    .isEqualTo("publication not stored: broker unavailable");
            assertBrokerUnavailable(t.get("/history/c"));
            assertBrokerUnavailable(t.get("/poll/c?since=e-0"));
            assertBrokerUnavailable(t.get("/longpoll/c?timeout=5"));

            broker.failWith = null;
            assertThat(t.publish("c", "back").get("offset").asLong()).isEqualTo(1);
            assertThat(t.get("/history/c").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void streamsWhoseSubscribeFailedSayGoodbyeWith1011AndAdviseReconnecting() throws Exception {
        String goodbye = "{\"code\":1011,\"reason\":\"internal server error\",\"reconnect\":true}";
        try (TestServer t = TestServer.start(broker, cfg -> cfg.paddingBytes(0))) {
            brokerDown();
            try (SseReader sse = new SseReader(t.stream("/sse/c").body())) {
                SseReader.Event e = sse.nextEvent();
                assertThat(e.event()).isEqualTo("herald-disconnect");
                assertThat(e.data()).isEqualTo(goodbye);
                assertThat(sse.nextEvent()).as("the stream ends").isNull();
            }
            assertThat(body(t.stream("/stream/c").body())).isEqualTo("\n{\"disconnect\":" + goodbye + "}\n");
            assertThat(body(t.stream("/iframe/c").body()))
                    .endsWith("<script>parent.herald({\"disconnect\":" + goodbye + "})</script></body></html>");
        }
    }

    @Test
    void webSocketsGetAnErrorReplyOrClose1011() {
        try (TestServer t = TestServer.start(broker, cfg -> { })) {
            brokerDown();
            // Raw, no since: the channel's position is read before the 101, so the failure is an HTTP status.
            assertThat(WsClient.refusedStatus(t, "/ws/c")).as("raw WebSocket without since").isEqualTo(503);
            // Raw, with since: upgraded, then the subscribe fails: close 1011.
            try (WsClient raw = WsClient.connect(t, "/ws/c?since=abc-0")) {
                WsClient.Frame close = raw.nextClose();
                assertThat(close.code()).isEqualTo(1011);
            }
            try (WsClient ws = WsClient.connect(t, "/ws")) {
                ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"c\"}");
                assertError(ws.nextJson(), 1);
                ws.send("{\"id\":2,\"op\":\"publish\",\"channel\":\"c\",\"data\":\"x\"}");
                assertError(ws.nextJson(), 2);
                ws.send("{\"id\":3,\"op\":\"history\",\"channel\":\"c\"}");
                assertError(ws.nextJson(), 3);

                broker.failWith = null;
                ws.send("{\"id\":4,\"op\":\"subscribe\",\"channel\":\"c\"}");
                JsonNode reply = ws.nextJson();
                assertThat(reply.get("id").asLong()).isEqualTo(4);
                assertThat(reply.get("ok").asBoolean()).as("subscribed once the broker is back: %s", reply).isTrue();
            }
        }
    }

    private static void assertError(JsonNode reply, long id) {
        assertThat(reply.get("id").asLong()).isEqualTo(id);
        assertThat(reply.at("/error/code").asText()).as("reply %s", reply).isEqualTo("broker_unavailable");
    }

    private static String body(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
