package io.herald.server.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A publication's SockJS message frame ({@code a["<envelope>"]}) is encoded once and shared by every
 * session (docs/protocol.md, "SockJS"): over WebSocket as one pre-framed WebSocket frame written past
 * the frame encoder, over HTTP as the same frame bytes in each transport's wrapping.
 */
@Timeout(60)
class SockJsSharedFramesTest {
    private static final String SUBSCRIBE = "[\"{\\\"id\\\":1,\\\"op\\\":\\\"subscribe\\\",\\\"channel\\\":\\\"sj:shared\\\"}\"]";

    private static String session() {
        return "/sockjs/000/" + UUID.randomUUID();
    }

    /** The next frame that is not a heartbeat. */
    private static String nextFrame(WsClient ws) {
        String text;
        do {
            text = ws.nextText();
        } while (text.equals("h"));
        return text;
    }

    @Test
    void twoSessionsGetTheSameSharedFrameAndPollingTheSameBytes() {
        try (TestServer t = TestServer.start()) {
            String polled = session();
            assertThat(t.post(polled + "/xhr", "", null).body()).isEqualTo("o\n");
            assertThat(t.post(polled + "/xhr_send", SUBSCRIBE, "text/plain").statusCode()).isEqualTo(204);
            assertThat(t.post(polled + "/xhr", "", null).body()).startsWith("a[\"{\\\"id\\\":1,");

            WsClient a = WsClient.connect(t, session() + "/websocket");
            WsClient b = WsClient.connect(t, session() + "/websocket");
            for (WsClient ws : new WsClient[] {a, b}) {
                assertThat(ws.nextText()).isEqualTo("o");
                ws.send(SUBSCRIBE);
                assertThat(nextFrame(ws)).startsWith("a[\"{\\\"id\\\":1,");
            }
            long sharedBefore = WebSocketReceiver.SHARED_FRAMES.sum();

            t.publish("sj:shared", "{\"n\":\"caf\u00e9 \u2028\"}");
            String fromA = nextFrame(a);
            String fromB = nextFrame(b);
            assertThat(fromA).startsWith("a[\"{\\\"channel\\\":\\\"sj:shared\\\"").endsWith("}\"]")
                    .contains("\\u2028"); // SockJS escapes U+2028 inside the message literal
            assertThat(fromB).isEqualTo(fromA);
            assertThat(WebSocketReceiver.SHARED_FRAMES.sum() - sharedBefore).isGreaterThanOrEqualTo(2);

            HttpResponse<String> poll = t.post(polled + "/xhr", "", null);
            assertThat(poll.body()).isEqualTo(fromA + "\n");
            a.close();
            b.close();
        }
    }
}
