package io.herald.server.edge;

import static io.herald.server.edge.Edges.assertClosedWithNothingMore;
import static io.herald.server.edge.Edges.send;
import static io.herald.server.edge.Edges.socket;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request deadlines and the header limit over raw sockets (docs/protocol.md, "Heartbeats and
 * timeouts" and "Limits"): hostile case 28 (slowloris, slow body) and the header part of case 30.
 */
@Timeout(60)
class SlowClientTest {
    private static final String HEAD = "GET /history/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
            + "x".repeat(200) + "\r\n\r\n";

    /** Case 28: 100 sockets trickling a head a byte at a time are all closed, unanswered, by the deadline + 1 s; others are served meanwhile. */
    @Test
    void slowlorisSocketsAreClosedAtTheHeadDeadlineWhileOthersAreServed() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.requestHeadTimeout(Duration.ofSeconds(2)));
             Edges.Witness witness = new Edges.Witness(t, "slow")) {
            List<Socket> sockets = new ArrayList<>();
            AtomicBoolean trickling = new AtomicBoolean(true);
            long start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                sockets.add(socket(t, "127.0.0.7"));
            }
            Thread writer = new Thread(() -> {
                for (int b = 0; trickling.get() && b < HEAD.length(); b++) {
                    for (Socket s : sockets) {
                        try {
                            s.getOutputStream().write(HEAD.charAt(b));
                        } catch (IOException closed) {
                            // the server closed it: the point of the test
                        }
                    }
                    try {
                        Thread.sleep(500); // a byte every 0.5 s: idle timeouts never fire, the head deadline does
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            try {
                long served = System.nanoTime();
                assertThat(t.get("/history/slow").statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - served)).isLessThan(Duration.ofSeconds(1));
                t.publish("slow", "1");
                for (Socket s : sockets) {
                    s.setSoTimeout((int) Math.max(1, 3_000 - (System.nanoTime() - start) / 1_000_000));
                    InputStream in = s.getInputStream();
                    try {
                        assertThat(in.read()).as("closed without an answer").isEqualTo(-1);
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("a slowloris socket was still open 3 s after it connected", e);
                    } catch (IOException reset) {
                        // closed while we were writing: a reset is a close too
                    }
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3) .plusMillis(500));
                TestServer.await("no slowloris connection left", Duration.ofSeconds(2), () -> t.server().connectionCount() <= 1);
                t.publish("slow", "2");
                witness.assertOffsets(2);
            } finally {
                trickling.set(false);
                writer.interrupt();
                writer.join();
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    /** The deadline starts again after each response on a keep-alive connection, but a held long poll is not cut by it. */
    @Test
    void theHeadDeadlineRestartsAfterEachResponseAndSparesPendingRequests() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.requestHeadTimeout(Duration.ofSeconds(1)))) {
            try (Socket s = socket(t, "127.0.0.1")) {
                send(s, "GET /longpoll/held?timeout=2 HTTP/1.1\nHost: 127.0.0.1\n\n");
                long start = System.nanoTime();
                RawResponse held = RawResponse.read(s.getInputStream());
                assertThat(held.status()).as("answered after 2 s, past the 1 s head deadline").isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1500));
                send(s, "GET /history/held HTTP/1.1\nHost: 127.0.0.1\n\n");
                assertThat(RawResponse.read(s.getInputStream()).status()).as("keep-alive goes on").isEqualTo(200);
                long idle = System.nanoTime();
                assertClosedWithNothingMore(s);
                assertThat(Duration.ofNanos(System.nanoTime() - idle)).isBetween(Duration.ofMillis(700), Duration.ofMillis(2500));
            }
        }
    }

    /** Case 28, slow body: a body that does not arrive in time gets 408 and the connection closes; nothing is published. */
    @Test
    void aSlowBodyIsAnswered408AndNothingIsPublished() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.requestBodyTimeout(Duration.ofSeconds(1)));
             Socket s = socket(t, "127.0.0.8")) {
            send(s, "POST /pub/slowbody HTTP/1.1\nHost: 127.0.0.1\nContent-Type: text/plain\nContent-Length: 60000\n\n");
            long start = System.nanoTime();
            InputStream in = s.getInputStream();
            s.setSoTimeout(200);
            RawResponse r = null;
            while (r == null) {
                s.getOutputStream().write('x'); // 5 bytes a second
                try {
                    in.mark(1);
                    r = RawResponse.read(in);
                } catch (SocketTimeoutException e) {
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                }
            }
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).contains("\"code\":\"request_timeout\"");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(800), Duration.ofMillis(3000));
            s.setSoTimeout(5_000);
            assertClosedWithNothingMore(s);
            assertThat(TestServer.json(t.get("/history/slowbody").body()).get("messages")).isEmpty();
        }
    }

    /** Case 30, header part: a 16 KiB header is answered 431 and the connection closed. */
    @Test
    void aHeadOverTheHeaderLimitIsAnswered431AndClosed() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = socket(t, "127.0.0.1")) {
            s.getOutputStream().write(("GET /sse/c HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + "a".repeat(16 * 1024)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            RawResponse r = RawResponse.read(s.getInputStream());
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.body()).contains("\"code\":\"headers_too_large\"");
            assertThat(r.hasHeader("connection", "close")).isTrue();
            assertClosedWithNothingMore(s);
            assertThat(t.get("/history/c").statusCode()).as("still healthy").isEqualTo(200);
        }
    }
}
