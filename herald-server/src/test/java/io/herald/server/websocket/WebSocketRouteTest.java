package io.herald.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The upgrade and the contract's errors of {@code /ws} and {@code /ws/{channel}}. */
@Timeout(30)
class WebSocketRouteTest {

    @Test
    void answers400WhenTheRequestIsNotAWebSocketUpgrade() {
        try (TestServer t = TestServer.start()) {
            for (String path : new String[] {"/ws/demo", "/ws"}) {
                HttpResponse<String> r = t.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(400);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_parameter");
                assertThat(TestServer.json(r.body()).at("/error/message").asText()).contains("expected a WebSocket upgrade");
            }
        }
    }

    @Test
    void answers400ToAMalformedSinceBeforeUpgrading() throws Exception {
        try (TestServer t = TestServer.start()) {
            String response = rawUpgrade(t, "/ws/demo?since=not-an-id!");
            assertThat(response).startsWith("HTTP/1.1 400 ");
            assertThat(response).doesNotContain("Sec-WebSocket-Accept");
            assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_since");
        }
    }

    @Test
    void answers400ToAnInvalidChannelBeforeUpgrading() throws Exception {
        try (TestServer t = TestServer.start()) {
            String response = rawUpgrade(t, "/ws/bad%20name");
            assertThat(response).startsWith("HTTP/1.1 400 ");
            assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_channel");
        }
    }

    @Test
    void upgradesAndAnswersTheHandshakeExactly() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (Socket socket = sendUpgrade(t, "/ws/demo?since=")) {
                String response = readResponse(socket);
                assertThat(response).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
                // RFC 6455, section 1.3: base64(SHA-1(key + GUID)) for the sample key.
                assertThat(response).containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
                TestServer.await("raw session subscribed", java.time.Duration.ofSeconds(5),
                        () -> t.server().node().subscriptionCount() == 1);
            }
        }
    }

    @Test
    void closesAnOversizedFrameWith1009OnBothRoutes() {
        NodeConfig small = NodeConfig.builder().maxPayloadBytes(1024).queueMaxBytes(1 << 20).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(small))) {
            for (String path : new String[] {"/ws/big", "/ws"}) {
                try (WsClient ws = WsClient.connect(t, path)) {
                    ws.send("x".repeat(1000)); // under the limit: a publish on raw, a bad command on /ws
                    ws.send("y".repeat(2000));
                    WsClient.Frame close = closeSkippingOthers(ws);
                    assertThat(close.code()).as(path).isEqualTo(1009);
                }
            }
            // The frame under the limit was published; the oversized one was not.
            assertThat(TestServer.json(t.get("/history/big").body()).get("messages")).hasSize(1);
        }
    }

    @Test
    void closesAnOversizedFragmentedMessageWith1009() {
        NodeConfig small = NodeConfig.builder().maxPayloadBytes(1024).queueMaxBytes(1 << 20).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(small))) {
            try (WsClient ws = WsClient.connect(t, "/ws/big")) {
                // Two frames under the limit, one message over it (RFC 6455, section 5.4).
                ws.socket().sendText("a".repeat(800), false).join();
                ws.socket().sendText("b".repeat(800), true).join();
                WsClient.Frame close = closeSkippingOthers(ws);
                assertThat(close.code()).isEqualTo(1009);
                assertThat(close.text()).isEqualTo("message too big");
            }
            assertThat(TestServer.json(t.get("/history/big").body()).get("messages")).isEmpty();
        }
    }

    private static WsClient.Frame closeSkippingOthers(WsClient ws) {
        WsClient.Frame f;
        do {
            f = ws.next();
        } while (f.kind() != WsClient.Frame.Kind.CLOSE);
        return f;
    }

    /** Sends an opening handshake (RFC 6455, section 1.2 sample key) and reads the whole answer. */
    private static String rawUpgrade(TestServer t, String path) throws IOException {
        try (Socket socket = sendUpgrade(t, path)) {
            return readResponse(socket);
        }
    }

    private static Socket sendUpgrade(TestServer t, String path) throws IOException {
        Socket socket = new Socket("127.0.0.1", t.port());
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static String readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder text = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!complete(text.toString())) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    /** Whether a response head (101) or a head plus its Content-Length body has arrived. */
    private static boolean complete(String response) {
        int end = response.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        if (response.startsWith("HTTP/1.1 101")) {
            return true;
        }
        String head = response.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        int at = head.indexOf("content-length:");
        int length = at < 0 ? 0 : Integer.parseInt(head.substring(at + 15, head.indexOf("\r\n", at) < 0
                ? head.length() : head.indexOf("\r\n", at)).trim());
        return response.length() - end - 4 >= length;
    }

    private static com.fasterxml.jackson.databind.JsonNode body(String response) {
        return TestServer.json(response.substring(response.indexOf("\r\n\r\n") + 4));
    }
}
