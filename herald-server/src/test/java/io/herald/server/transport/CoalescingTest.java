package io.herald.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Coalescing over real sockets: bursts arrive complete and in order, single publications at once. */
@Timeout(60)
class CoalescingTest {

    private static TestServer server(Duration coalesce) {
        return TestServer.start(cfg -> cfg.ioThreads(1).node(NodeConfig.builder().coalesce(coalesce).build()));
    }

    @Test
    void aBurstOverSseArrivesCompleteAndInOrder() throws Exception {
        try (TestServer t = server(Duration.ofMillis(50));
             SseReader reader = new SseReader(t.stream("/sse/burst").body())) {
            assertThat(reader.next().retry()).isNotNull();
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            for (int i = 0; i < 500; i++) {
                t.server().publish("burst", null, Payload.text("m" + i)).join();
            }
            List<String> got = new ArrayList<>();
            while (got.size() < 500) {
                SseReader.Event e = reader.next();
                if (!e.isComment()) {
                    got.add(e.data());
                }
            }
            for (int i = 0; i < 500; i++) {
                assertThat(got.get(i)).isEqualTo("m" + i);
            }
        }
    }

    @Test
    void aPublicationAfterAQuietSpellIsNotHeldForTheBudget() throws Exception {
        // A budget far above the time allowed: only a drain started at once can meet it.
        try (TestServer t = server(Duration.ofSeconds(1));
             SseReader reader = new SseReader(t.stream("/sse/quiet").body())) {
            assertThat(reader.next().retry()).isNotNull();
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            Thread.sleep(1200);
            long start = System.nanoTime();
            t.server().publish("quiet", null, Payload.text("now")).join();
            assertThat(reader.next().data()).isEqualTo("now");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(700));
        }
    }

    @Test
    void aBurstOverRawWebSocketArrivesCompleteAndInOrder() throws Exception {
        try (TestServer t = server(Duration.ofMillis(5))) {
            try (WsClient ws = WsClient.connect(t, "/ws/wsburst")) {
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                for (int i = 0; i < 300; i++) {
                    t.server().publish("wsburst", null, Payload.text("w" + i)).join();
                }
                for (int i = 0; i < 300; i++) {
                    assertThat(ws.nextText()).isEqualTo("w" + i);
                }
            }
        }
    }
}
