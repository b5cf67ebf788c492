package io.herald.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SSE under stress: resume while publishing, a client that never reads, abrupt disconnects. */
@Timeout(60)
class SseResilienceTest {

    @Test
    void resumeAcrossDisconnectsWhilePublishingLosesAndDuplicatesNothing() throws Exception {
        try (TestServer t = TestServer.start()) {
            int total = 600;
            AtomicInteger published = new AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread publisher = new Thread(() -> {
                try {
                    for (int i = 1; i <= total; i++) {
                        t.publish("resume", "m" + i);
                        published.set(i);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            List<String> received = new ArrayList<>();
            // Start from the stream's current position, so publications made before the first
            // connection subscribes are recovered too (without a position a subscriber is live-only).
            String lastId = TestServer.json(t.get("/history/resume?limit=0").body()).get("next").asText();
            publisher.start();
            while (received.size() < total) {
                assertThat(failure.get()).as("publisher failure").isNull();
                try (SseReader reader = new SseReader(t.stream("/sse/resume", "Last-Event-ID", lastId).body())) {
                    // Read a bounded number of events, then drop the connection mid-stream.
                    for (int n = 0; n < 97 && received.size() < total; n++) {
                        if (failure.get() != null) {
                            break;
                        }
                        SseReader.Event e = reader.nextEvent();
                        assertThat(e.event()).isEqualTo("message");
                        received.add(e.data());
                        lastId = e.id();
                    }
                }
            }
            publisher.join();
            assertThat(received).containsExactlyElementsOf(IntStream.rangeClosed(1, total).mapToObj(i -> "m" + i).toList());
        }
    }

    @Test
    void clientThatNeverReadsIsCutAtItsQueueBoundAndOthersKeepUp() throws Exception {
        long queueMax = 256 * 1024;
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder().queueMaxBytes(queueMax).build()));
             Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096); // before connect, so the TCP window is small from the start
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", t.port()));
            OutputStream out = stalled.getOutputStream();
            out.write("GET /sse/flood HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try (SseReader fast = new SseReader(t.stream("/sse/flood").body())) {
                TestServer.await("two subscribers", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 2);
                String payload = "x".repeat(8 * 1024);
                AtomicBoolean overBound = new AtomicBoolean();
                int total = 3000; // 24 MiB through a client that reads nothing
                for (int i = 1; i <= total; i++) {
                    t.publish("flood", i + ":" + payload);
                    for (var s : t.server().node().sessions()) {
                        if (s.queue().bytes() > queueMax) {
                            overBound.set(true);
                        }
                    }
                    SseReader.Event e = fast.nextEvent();
                    assertThat(e.data()).startsWith(i + ":");
                }
                assertThat(overBound).as("a queue grew past its bound").isFalse();
                TestServer.await("the stalled session is cut", Duration.ofSeconds(10),
                        () -> t.server().node().sessionCount() == 1);
            }
            // The server closed the stalled connection: what reached its socket ends in EOF, not a hang.
            stalled.setSoTimeout(10_000);
            InputStream in = stalled.getInputStream();
            byte[] all = in.readAllBytes();
            assertThat(new String(all, 0, Math.min(all.length, 15), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(all.length).as("bytes the stalled client got").isLessThan(3000 * 8 * 1024 / 2);
        }
    }

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
