package io.herald.server.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSocket rate limits over real sockets (docs/protocol.md, "Limits"): hostile case 29. Commands
 * over the rate get {@code too_many_requests}, the third refusal in 10 s closes with 4429; other
 * clients are not slowed down and lose nothing.
 */
@Timeout(60)
class WebSocketFloodTest {
    private static TestServer server() {
        return TestServer.start(cfg -> cfg.wsCommandRate(50).wsCommandBurst(50).wsPublishRate(10).wsPublishBurst(10));
    }

    /** Sends {@code n} messages without waiting for each to be handed over (a flood). */
    private static void flood(WsClient ws, int n, java.util.function.IntFunction<String> message) {
        CompletableFuture<?> last = CompletableFuture.completedFuture(null);
        for (int i = 0; i < n; i++) {
            String text = message.apply(i);
            last = last.thenCompose(x -> ws.socket().sendText(text, true)).exceptionally(e -> null);
        }
        last.join();
    }

    /**
     * The hostile socket ended with 4429: its close frame says so, unless the connection was reset
     * under the flood still being sent (then the frame is lost, and the server's count tells).
     */
    private static void assertClosed4429(TestServer t, WsClient.Frame last) {
        assertThat(last.kind()).isIn(WsClient.Frame.Kind.CLOSE, WsClient.Frame.Kind.ERROR);
        if (last.kind() == WsClient.Frame.Kind.CLOSE) {
            assertThat(last.code()).isEqualTo(4429);
        }
        TestServer.await("a session ended with 4429", Duration.ofSeconds(5),
                () -> t.server().node().disconnectCounts().get(Disconnect.TOO_MANY_REQUESTS) == 1);
    }

    @Test
    void aPingFloodGetsTooManyRequestsThenClose4429WhileAnotherClientIsServed() throws Exception {
        try (TestServer t = server(); WsClient hostile = WsClient.connect(t, "/ws"); WsClient other = WsClient.connect(t, "/ws");
             Edges.Witness witness = new Edges.Witness(t, "chat:a")) {
            long floodStart = System.nanoTime();
            flood(hostile, 1000, i -> "{\"id\":" + i + ",\"op\":\"ping\"}");
            int ok = 0;
            int tooMany = 0;
            WsClient.Frame f;
            while ((f = hostile.nextMessage()).kind() == WsClient.Frame.Kind.TEXT) {
                if (f.text().contains("\"ok\":true")) {
                    ok++;
                } else if (f.json().has("disconnect")) {
                    assertThat(f.json().at("/disconnect/code").asInt()).isEqualTo(4429);
                } else {
                    assertThat(f.json().at("/error/code").asText()).isEqualTo("too_many_requests");
                    tooMany++;
                }
            }
            double seconds = (System.nanoTime() - floodStart) / 1e9;
            assertClosed4429(t, f);
            assertThat(tooMany).isEqualTo(2);
            // the burst, plus what the rate (50 a second) refilled while the flood was read: the
            // limiter's promise whatever the machine's speed (a loaded machine reads it more slowly)
            assertThat(ok).isBetween(50, (int) (50 * seconds) + 50);
            // The other client: prompt answers, and the witness lost nothing.
            long worst = 0;
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                other.send("{\"id\":" + i + ",\"op\":\"ping\"}");
                assertThat(other.nextText()).isEqualTo("{\"id\":" + i + ",\"ok\":true}");
                worst = Math.max(worst, System.nanoTime() - start);
            }
            assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofMillis(200));
            t.publish("chat:a", "1");
            witness.assertOffsets(1);
        }
    }

    @Test
    void aPublishFloodStoresAtMostRateTimesTimePlusBurst() throws Exception {
        try (TestServer t = server(); WsClient hostile = WsClient.connect(t, "/ws");
             Edges.Witness witness = new Edges.Witness(t, "chat:b")) {
            long start = System.nanoTime();
            flood(hostile, 100, i -> "{\"id\":" + i + ",\"op\":\"publish\",\"channel\":\"chat:b\",\"data\":" + i + "}");
            WsClient.Frame f;
            int published = 0;
            while ((f = hostile.nextMessage()).kind() == WsClient.Frame.Kind.TEXT) {
                if (f.text().contains("\"ok\":true")) {
                    published++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertClosed4429(t, f);
            long stored = TestServer.json(t.get("/history/chat:b").body()).get("messages").size();
            assertThat(stored).isEqualTo(published).isBetween(10L, (long) (10 * seconds + 10));
            witness.assertOffsets((int) stored);
        }
    }

    @Test
    void aRawPublishFloodIsDroppedAndClosed4429() throws Exception {
        try (TestServer t = server(); WsClient hostile = WsClient.connect(t, "/ws/chat:c");
             Edges.Witness witness = new Edges.Witness(t, "chat:c")) {
            TestServer.await("both subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 2);
            long start = System.nanoTime();
            flood(hostile, 100, i -> "m" + i);
            WsClient.Frame f;
            while ((f = hostile.nextMessage()).kind() == WsClient.Frame.Kind.TEXT) {
                assertThat(f.text()).as("its own publications echoed, nothing else").startsWith("m");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertClosed4429(t, f);
            long stored = TestServer.json(t.get("/history/chat:c").body()).get("messages").size();
            assertThat(stored).isBetween(10L, (long) (10 * seconds + 10));
            witness.assertOffsets((int) stored);
        }
    }
}
