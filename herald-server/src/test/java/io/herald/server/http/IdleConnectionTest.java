package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class IdleConnectionTest {

    @Test
    void connectionThatSendsNoRequestIsClosed() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.heartbeat(Duration.ofMillis(100)));
             Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(20_000);
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).as("EOF from the server").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(4));
            TestServer.await("connection gone", Duration.ofSeconds(5), () -> t.server().connectionCount() == 0);
        }
    }

    @Test
    void webSocketClientThatAnswersNoPingIsDisconnectedAsStale() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.heartbeat(Duration.ofMillis(100)));
             Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /ws/stale HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes(); // pings, then a close frame, then EOF: we never answer
            String text = new String(all, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 101");
            int close = text.lastIndexOf((char) 0x88);
            assertThat(close).as("a close frame").isPositive();
            int code = ((all[close + 2] & 0xff) << 8) | (all[close + 3] & 0xff);
            assertThat(code).isEqualTo(4002);
            TestServer.await("session gone", Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 0);
        }
    }
}
