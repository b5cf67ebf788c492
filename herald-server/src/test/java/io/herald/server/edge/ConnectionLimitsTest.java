package io.herald.server.edge;

import static io.herald.server.edge.Edges.assertClosedWithNothingMore;
import static io.herald.server.edge.Edges.send;
import static io.herald.server.edge.Edges.socket;
import static io.herald.server.edge.Edges.upgrade;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.RawResponse;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-client-address limits over real sockets (docs/protocol.md, "Limits"): hostile cases 26
 * and 27 of the security design, and the trusted proxies' {@code X-Forwarded-For}. Flooding clients
 * use their own loopback addresses (127.0.0.2, ...), so the test's own requests from 127.0.0.1 are
 * another client.
 */
@Timeout(60)
class ConnectionLimitsTest {

    /** One SSE stream on a raw socket from a chosen address. */
    private static final class RawSse implements AutoCloseable {
        final Socket socket;
        final SseReader reader;

        RawSse(TestServer t, String from, String channel) throws IOException {
            socket = socket(t, from);
            send(socket, "GET /sse/" + channel + " HTTP/1.1\nHost: 127.0.0.1\n\n");
            String head = RawResponse.head(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
            reader = new SseReader(new Chunked(socket.getInputStream()));
        }

        void assertOffsets(int from, int to) throws IOException {
            for (int i = from; i <= to; i++) {
                SseReader.Event e = reader.nextEvent();
                assertThat(e).as("event %d", i).isNotNull();
                assertThat(e.id()).endsWith("-" + i);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static RawResponse answeredAndClosed(TestServer t, String from, String request) throws IOException {
        try (Socket s = socket(t, from)) {
            send(s, request);
            RawResponse r = RawResponse.read(s.getInputStream());
            assertClosedWithNothingMore(s);
            return r;
        }
    }

    /** Case 26: the 21st connection from one address gets 429 + Retry-After; the first 20 stream on; after 5 close, 5 more get in. */
    @Test
    void theConnectionOverTheLimitOfAnAddressIsRefusedAndTheOthersStreamOn() throws Exception {
        List<RawSse> streams = new ArrayList<>();
        try (TestServer t = TestServer.start(cfg -> cfg.perIpConnections(20).perIpConnectRate(0));
             AutoCloseable closeStreams = () -> {
                 for (RawSse s : streams) {
                     s.close();
                 }
             }) {
            for (int i = 0; i < 20; i++) {
                streams.add(new RawSse(t, "127.0.0.2", "flood"));
            }
            TestServer.await("20 subscriptions", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 20);
            t.publish("flood", "1");
            RawResponse r = answeredAndClosed(t, "127.0.0.2", "GET /sse/flood HTTP/1.1\nHost: 127.0.0.1\n\n");
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.head()).contains("retry-after: 1\r\n");
            assertThat(r.body()).contains("\"code\":\"too_many_requests\"", "20 connections per client address");
            RawResponse ws = answeredAndClosed(t, "127.0.0.2", upgrade("/ws/flood", ""));
            assertThat(ws.status()).as("before any upgrade").isEqualTo(429);
            t.publish("flood", "2");
            assertThat(t.server().node().subscriptionCount()).isEqualTo(20);
            for (RawSse s : streams) {
                s.assertOffsets(1, 2);
            }
            for (int i = 0; i < 5; i++) {
                streams.remove(0).close();
            }
            TestServer.await("15 subscriptions", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 15);
            TestServer.await("the 5 connections ended", Duration.ofSeconds(5), () -> t.server().connectionCount() == 15);
            for (int i = 0; i < 5; i++) {
                streams.add(new RawSse(t, "127.0.0.2", "flood"));
            }
            TestServer.await("20 subscriptions", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 20);
            assertThat(answeredAndClosed(t, "127.0.0.2", "GET /sse/flood HTTP/1.1\nHost: 127.0.0.1\n\n").status()).isEqualTo(429);
            assertThat(answeredAndClosed(t, "127.0.0.3", "GET /history/flood HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").status())
                    .as("another address").isEqualTo(200);
            t.publish("flood", "3");
            for (RawSse s : streams.subList(0, 15)) {
                s.assertOffsets(3, 3);
            }
            for (RawSse s : streams.subList(15, 20)) {
                s.assertOffsets(3, 3);
            }
        }
    }

    /** Case 27: 50 upgrades in a burst from one address, at 10/s burst 10: at least 35 get 429; a subscriber has no gap. */
    @Test
    void connectionsOverTheRateOfAnAddressAreRefused() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.perIpConnections(0).perIpConnectRate(10).perIpConnectBurst(10));
             Edges.Witness witness = new Edges.Witness(t, "rate")) {
            t.publish("rate", "1");
            int refused = 0;
            long retryAfter = 0;
            List<Socket> accepted = new ArrayList<>();
            long start = System.nanoTime();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket s = socket(t, "127.0.0.4");
                    send(s, upgrade("/ws/rate", ""));
                    String head = RawResponse.head(s.getInputStream());
                    if (head.startsWith("HTTP/1.1 429")) {
                        refused++;
                        retryAfter = Long.parseLong(head.toLowerCase().split("retry-after: ")[1].split("\r\n")[0]);
                        s.close();
                    } else {
                        assertThat(head).startsWith("HTTP/1.1 101");
                        accepted.add(s);
                    }
                }
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(elapsedMs).as("the 50 attempts took under a second").isLessThan(1000);
                assertThat(refused).isGreaterThanOrEqualTo(35);
                assertThat(accepted.size()).isLessThanOrEqualTo(10 + (int) (elapsedMs / 100) + 1);
                assertThat(retryAfter).isBetween(1L, 2L);
                t.publish("rate", "2");
                witness.assertOffsets(2);
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** Behind a trusted proxy, the forwarded client is the one limited, per request; an untrusted peer's header is ignored. */
    @Test
    void behindATrustedProxyTheForwardedClientIsLimited() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.perIpConnections(0).perIpConnectRate(1).perIpConnectBurst(2)
                .trustedProxies(List.of("127.0.0.5/32")))) {
            String from = "GET /history/p HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-For: 203.0.113.9, 127.0.0.5\n\n";
            for (int i = 0; i < 2; i++) {
                try (Socket s = socket(t, "127.0.0.5")) {
                    send(s, from);
                    assertThat(RawResponse.read(s.getInputStream()).status()).isEqualTo(200);
                }
            }
            assertThat(answeredAndClosed(t, "127.0.0.5", from).status()).as("203.0.113.9 is over its rate").isEqualTo(429);
            try (Socket s = socket(t, "127.0.0.5")) {
                send(s, "GET /history/p HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-For: 198.51.100.1\n\n");
                assertThat(RawResponse.read(s.getInputStream()).status()).as("another forwarded client").isEqualTo(200);
            }
            // A peer that is not trusted is limited by its own address, whatever it forwards.
            for (int i = 0; i < 2; i++) {
                try (Socket s = socket(t, "127.0.0.6")) {
                    send(s, "GET /history/p HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-For: 192.0.2." + i + "\n\n");
                    assertThat(RawResponse.read(s.getInputStream()).status()).isEqualTo(200);
                }
            }
            assertThat(answeredAndClosed(t, "127.0.0.6", "GET /history/p HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-For: 192.0.2.9\n\n")
                    .status()).isEqualTo(429);
        }
    }
}
