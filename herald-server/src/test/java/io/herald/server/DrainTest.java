package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.broker.SharedMemoryBroker;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.SseSwarm;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The drain of a rolling deploy (docs/protocol.md, "Drain"): readiness, serving on, spread reconnects. */
@Timeout(120)
class DrainTest {
    /** Reads the 1001 goodbye, which must be the stream's last event. */
    private static void assertGoodbye(SseReader reader) throws java.io.IOException {
        SseReader.Event bye = reader.nextEvent();
        assertThat(bye).isNotNull();
        assertThat(bye.event()).isEqualTo("herald-disconnect");
        assertThat(bye.data()).isEqualTo("{\"code\":1001,\"reason\":\"shutdown\",\"reconnect\":true}");
        assertThat(reader.next()).as("the stream ends").isNull();
    }

    @Test
    void readyTurnsFalseAtOnceAndTheServerServesEverythingThroughTheDrainWindow() throws Exception {
        Duration window = Duration.ofMillis(1500);
        try (TestServer t = TestServer.start(cfg -> cfg.shutdownDrain(window).shutdownSpread(Duration.ZERO))) {
            SseReader before = new SseReader(t.stream("/sse/d").body());
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            long started = System.nanoTime();
            CompletableFuture<Void> drained = t.server().drain();
            assertThat(t.server().drain()).as("one drain").isSameAs(drained);
            HttpResponse<String> ready = t.admin("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("{\"ready\":false,\"reasons\":[\"draining\"]}");
            assertThat(t.admin("/health/live").statusCode()).isEqualTo(200);

            // Still serving: a new subscriber (the load balancer may not have noticed yet), publishing, history.
            SseReader during = new SseReader(t.stream("/sse/d").body());
            TestServer.await("second subscriber", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 2);
            t.publish("d", "while draining");
            assertThat(before.nextEvent().data()).isEqualTo("while draining");
            assertThat(during.nextEvent().data()).isEqualTo("while draining");
            assertThat(TestServer.json(t.get("/history/d").body()).get("messages")).hasSize(1);
            assertThat(drained).as("still within the window").isNotDone();

            assertGoodbye(before);
            long goodbyeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(goodbyeMs).as("the goodbye comes after the drain window").isGreaterThanOrEqualTo(window.toMillis());
            assertGoodbye(during);
            t.drainWithClientsConnected(Duration.ofSeconds(15));
            assertThat(drained).isDone();
            assertThat(t.server().node().disconnectCounts().get(Disconnect.SHUTDOWN)).isEqualTo(2);
        }
    }

    @Test
    void afterTheWindowNewConnectionsAndSessionsAreRefusedWhileTheReconnectsAreSpread() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.shutdownDrain(Duration.ZERO).shutdownSpread(Duration.ofSeconds(4)))) {
            List<InputStream> streams = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                streams.add(t.stream("/sse/s").body());
            }
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 20);
            try (Socket keptAlive = new Socket("127.0.0.1", t.port())) {
                keptAlive.setSoTimeout(5000);
                keptAlive.getOutputStream().write("GET /history/s HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(RawResponse.read(keptAlive.getInputStream()).status()).isEqualTo(200);

                t.server().drain();
                TestServer.await("the listener closed", Duration.ofSeconds(5), () -> refused(t.port()));
                assertThat(t.server().node().sessionCount()).as("the spread has just begun").isGreaterThan(10);
                keptAlive.getOutputStream().write("GET /sse/s HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                RawResponse r = RawResponse.read(keptAlive.getInputStream());
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.body()).contains("\"code\":\"shutting_down\"");
            }
            t.drainWithClientsConnected(Duration.ofSeconds(20));
            for (InputStream stream : streams) {
                stream.close();
            }
        }
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void closeDuringADrainCutsItShort() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.shutdownDrain(Duration.ofSeconds(60)))) {
            SseReader reader = new SseReader(t.stream("/sse/c").body());
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            CompletableFuture<Void> drained = t.server().drain();
            long started = System.nanoTime();
            t.shutdownWithClientsConnected();
            assertGoodbye(reader);
            drained.get(10, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(10);
        }
    }

    /**
     * Issue 9's test: 1,000 SSE subscribers of a node that drains move to a second node, losing and
     * duplicating nothing, their reconnects spread over the window. The two in-process nodes share
     * one store ({@link SharedMemoryBroker}), as two processes share Redis: one stream per channel,
     * so the position a client resumes from on the second node is the one it had on the first. A
     * "load balancer" sends every connect to the first node until its {@code /health/ready} answers
     * 503, then to the second; the subscribers are plain SSE clients resuming with
     * {@code Last-Event-ID}, as browsers do.
     */
    @Test
    void thousandSseSubscribersReconnectToASecondNodeLosingAndDuplicatingNothingSpreadOverTheWindow() throws Exception {
        int subscribers = 1000;
        Duration drain = Duration.ofSeconds(1);
        Duration spread = Duration.ofSeconds(4);
        SharedMemoryBroker store = new SharedMemoryBroker();
        TestServer a = TestServer.start(store.newNode(), cfg -> cfg.shutdownDrain(drain).shutdownSpread(spread));
        TestServer b = TestServer.start(store.newNode(), cfg -> { });
        AtomicInteger target = new AtomicInteger(a.port());
        AtomicLong switchedAt = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        Thread loadBalancer = new Thread(() -> {
            while (!stop.get() && switchedAt.get() == 0) {
                if (a.admin("/health/ready").statusCode() == 503) {
                    target.set(b.port());
                    switchedAt.set(System.nanoTime());
                }
                sleep(50);
            }
        }, "load-balancer");
        Thread publisher = new Thread(() -> {
            while (!stop.get()) {
                long n = published.get() + 1;
                assertThat(b.publish("drain", "m" + n).get("offset").asLong()).isEqualTo(n);
                published.set(n);
                sleep(100);
            }
        }, "publisher");
        try (SseSwarm swarm = SseSwarm.start(subscribers, "/sse/drain", target::get)) {
            TestServer.await("1,000 subscribers on the first node", Duration.ofSeconds(30),
                    () -> a.server().node().subscriptionCount() == subscribers);
            loadBalancer.start();
            publisher.start();
            TestServer.await("publishing", Duration.ofSeconds(10), () -> published.get() >= 10);

            long drainStarted = System.nanoTime();
            a.drainWithClientsConnected(Duration.ofSeconds(30));
            TestServer.await("1,000 subscribers on the second node", Duration.ofSeconds(30),
                    () -> b.server().node().subscriptionCount() == subscribers);
            long afterMove = published.get();
            TestServer.await("publishing on after the move", Duration.ofSeconds(10), () -> published.get() >= afterMove + 10);
            stop.set(true);
            publisher.join();
            loadBalancer.join();
            long last = published.get();
            TestServer.await("every subscriber has every publication", Duration.ofSeconds(30),
                    () -> swarm.subscribers().stream().allMatch(s -> s.offsets.size() >= last));

            List<Long> all = LongStream.rangeClosed(1, last).boxed().toList();
            List<Long> goodbyeMs = new ArrayList<>();
            for (SseSwarm.Subscriber s : swarm.subscribers()) {
                assertThat(s.offsets).as("no loss, no duplicate, in order").isEqualTo(all);
                assertThat(s.data).as("the publications themselves").isEqualTo(all.stream().map(n -> "m" + n).toList());
                assertThat(s.resets).as("resumed, never reset").isEmpty();
                assertThat(s.goodbyes).hasSize(1);
                SseSwarm.Goodbye bye = s.goodbyes.get(0);
                assertThat(bye.port()).isEqualTo(a.port());
                assertThat(bye.data()).isEqualTo("{\"code\":1001,\"reason\":\"shutdown\",\"reconnect\":true}");
                assertThat(s.ports).as("one connection to the first node, one to the second").containsExactly(a.port(), b.port());
                goodbyeMs.add(TimeUnit.NANOSECONDS.toMillis(bye.nanos() - drainStarted));
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(switchedAt.get() - drainStarted))
                    .as("not ready at once: the load balancer switched within the drain window").isLessThan(drain.toMillis());
            System.out.printf("drain of %d SSE subscribers: %d publications, load balancer switched %d ms after the drain began,"
                    + " goodbyes from %d to %d ms%n", subscribers, last, TimeUnit.NANOSECONDS.toMillis(switchedAt.get() - drainStarted),
                    goodbyeMs.stream().mapToLong(Long::longValue).min().orElseThrow(),
                    goodbyeMs.stream().mapToLong(Long::longValue).max().orElseThrow());
            assertSpread(goodbyeMs, drain.toMillis(), spread.toMillis());
            assertThat(a.server().node().disconnectCounts().get(Disconnect.SHUTDOWN)).isEqualTo(subscribers);
        } finally {
            stop.set(true);
            b.close();
            if (!a.isClosed()) {
                a.shutdownWithClientsConnected();
            }
        }
    }

    /** How late a goodbye may reach its client on a loaded machine (the server's event loop, the client's). */
    private static final long DELIVERY_SLACK_MS = 2000;

    /**
     * The goodbyes (milliseconds after the drain began) came evenly over the spread: the server tells
     * the i-th of n sessions within the i-th of n equal slots of the window, so the k-th goodbye to
     * arrive cannot come before the k-th slot begins (a hard bound: a client cannot hear a goodbye
     * before it is sent; it would fail if they came at once or bunched early), and comes before the
     * (k+1)-th slot ends, give or take {@link #DELIVERY_SLACK_MS} for delivery (they are not bunched late).
     */
    private static void assertSpread(List<Long> goodbyeMs, long drainMs, long spreadMs) {
        List<Long> sorted = goodbyeMs.stream().sorted().toList();
        int n = sorted.size();
        int[] tenths = new int[10];
        for (long ms : sorted) {
            tenths[(int) Math.min(9, Math.max(0, (ms - drainMs) * 10 / spreadMs))]++;
        }
        System.out.println("goodbyes per tenth of the spread: " + java.util.Arrays.toString(tenths));
        for (int k = 0; k < n; k++) {
            long slotStart = drainMs + k * spreadMs / n;
            long slotEnd = drainMs + (k + 1) * spreadMs / n;
            assertThat(sorted.get(k)).as("goodbye %d of %d: not before its slot of the spread (%s)", k + 1, n,
                    java.util.Arrays.toString(tenths)).isGreaterThanOrEqualTo(slotStart - 2);
            assertThat(sorted.get(k)).as("goodbye %d of %d: not long after its slot of the spread (%s)", k + 1, n,
                    java.util.Arrays.toString(tenths)).isLessThanOrEqualTo(slotEnd + DELIVERY_SLACK_MS);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
