package io.herald.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SSE under stress: a deep resume and a stalled client on a quiet channel, abrupt disconnects. Resume
 * while publishing and a client that never reads are in the transport contract
 * ({@code io.herald.server.transport.contract}).
 */
@Timeout(60)
class SseResilienceTest {

    @Test
    void deepResumeIsServedToAReaderAndAStalledOneIsCutOnAQuietChannel() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.writeStallTimeout(Duration.ofSeconds(1))
                .node(NodeConfig.builder().queueMaxBytes(128 * 1024).build()))) {
            String start = TestServer.json(t.get("/history/deep?limit=0").body()).get("next").asText();
            String payload = "y".repeat(8 * 1024);
            for (int i = 1; i <= 400; i++) { // 3.2 MiB of history: 25 times the queue bound
                t.publish("deep", i + ":" + payload);
            }
            // A reader resuming from the start gets all of it: replayed history is not cut by the bound.
            try (SseReader reader = new SseReader(t.stream("/sse/deep", "Last-Event-ID", start).body())) {
                for (int i = 1; i <= 400; i++) {
                    assertThat(reader.nextEvent().data()).startsWith(i + ":");
                }
            }
            // A client that reads nothing stalls its socket; nothing new is published, yet it is cut.
            try (Socket stalled = new Socket()) {
                stalled.setReceiveBufferSize(4096);
                stalled.connect(new java.net.InetSocketAddress("127.0.0.1", t.port()));
                stalled.getOutputStream().write(("GET /sse/deep HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + start + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                TestServer.await("stalled session started", Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 1);
                TestServer.await("stalled session cut", Duration.ofSeconds(15), () -> t.server().node().sessionCount() == 0);
                assertThat(t.server().node().disconnectCounts().get(io.herald.core.Disconnect.SLOW)).isEqualTo(1L);
            }
        }
    }

    @Test
    void abruptDisconnectsLeakNothing() throws Exception {
        try (TestServer t = TestServer.start()) {
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket("127.0.0.1", t.port())) {
                    s.getOutputStream().write(("GET /sse/churn" + (i % 5) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                    s.setSoLinger(true, 0); // RST instead of FIN
                }
            }
            t.publish("churn1", "after");
            t.awaitNoSessions();
            assertThat(t.server().node().hub().channelCount()).isZero();
        }
    }
}
