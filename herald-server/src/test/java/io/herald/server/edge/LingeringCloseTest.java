package io.herald.server.edge;

import static io.herald.server.edge.Edges.assertClosedWithNothingMore;
import static io.herald.server.edge.Edges.send;
import static io.herald.server.edge.Edges.socket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.NodeConfig;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request refused before its body is read (413, 403 for an origin, 429) is answered at once, and
 * its connection stays open until the rest of the body has arrived, then closes cleanly: closing
 * over unread body bytes would make the kernel reset the connection, which can destroy the answer
 * before the client reads it (docs/protocol.md, "HTTP conventions"; RFC 9112, section 9.6). A body
 * that never ends is not waited for beyond 2 s.
 */
class LingeringCloseTest {
    private static final int BODY = 4000;
    private static final String APP = "https://app.example";

    @Test
    void a413WaitsForTheRestOfTheBodyThenCloses() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder().maxPayloadBytes(1024).build()))) {
            refusedThenClosedAfterTheBody(t, "", 413, "payload_too_large");
        }
    }

    @Test
    void anOriginRefusalWaitsForTheRestOfTheBodyThenCloses() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.corsAllowedOrigins(List.of(APP)))) {
            refusedThenClosedAfterTheBody(t, "Origin: https://evil.example\n", 403, "origin_not_allowed");
        }
    }

    @Test
    void aBodyThatNeverEndsIsNotWaitedForLongerThanTwoSeconds() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder().maxPayloadBytes(1024).build()));
             Socket s = socket(t, "127.0.0.1")) {
            send(s, head("") + "x".repeat(100));
            long start = System.nanoTime();
            RawResponse r = RawResponse.read(s.getInputStream());
            assertThat(r.status()).isEqualTo(413);
            s.setSoTimeout(5_000);
            assertClosedWithNothingMore(s);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500), Duration.ofMillis(4000));
            assertThat(TestServer.json(t.get("/history/lc").body()).get("messages")).isEmpty();
        }
    }

    private static String head(String extra) {
        return "POST /pub/lc HTTP/1.1\nHost: 127.0.0.1\nContent-Type: text/plain\n" + extra
                + "Content-Length: " + BODY + "\n\n";
    }

    /**
     * Sends the head and a first part of the body, reads the refusal, checks that the connection is
     * still open 300 ms later, sends the rest, and expects a clean end of stream.
     */
    private static void refusedThenClosedAfterTheBody(TestServer t, String extraHeaders, int status, String code)
            throws Exception {
        try (Socket s = socket(t, "127.0.0.1")) {
            send(s, head(extraHeaders) + "x".repeat(100));
            InputStream in = s.getInputStream();
            RawResponse r = RawResponse.read(in);
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.head().toLowerCase()).contains("connection: close");
            assertThat(r.body()).contains("\"code\":\"" + code + "\"");
            s.setSoTimeout(300);
            assertThatThrownBy(in::read).as("the connection is still open while the body is arriving")
                    .isInstanceOf(SocketTimeoutException.class);
            s.getOutputStream().write("x".repeat(BODY - 100).getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(1_500);
            assertThat(in.read()).as("a clean end of stream once the body ended, well before 2 s").isEqualTo(-1);
        }
        assertThat(TestServer.json(t.get("/history/lc").body()).get("messages")).isEmpty();
    }
}
