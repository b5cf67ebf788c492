package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link HeraldClient} against a real server ({@link TestServer}), over the WebSocket protocol and
 * the SSE fallback (docs/java-client.md).
 */
class HeraldClientTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static HeraldClient.Builder builder(java.net.URI base, Transport transport) {
        return HeraldClient.builder(base).transport(transport).reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(400));
    }

    private static HeraldClient client(TestServer t, Transport transport) {
        return builder(t.uri(""), transport).build();
    }

    /** Publishes m{from}..m{to} on {@code channel}, one after the other; runs {@code every} after each. */
    private static void publish(HeraldClient c, String channel, int from, int to, java.util.function.IntConsumer every) {
        for (int i = from; i <= to; i++) {
            PublishResult r = c.publish(channel, "m" + i).join();
            assertThat(r.offset()).isEqualTo(i);
            every.accept(i);
        }
    }

    private static HeraldClientException failure(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(HeraldClientException.class);
            return (HeraldClientException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure, got " + f.join());
    }

    @Test
    void publishAnswersIdOffsetAndEpochAndHistoryReadsTextJsonAndBinary() {
        try (TestServer t = TestServer.start(); HeraldClient c = client(t, Transport.WEBSOCKET)) {
            PublishResult text = c.publish("h", "hello").join();
            PublishResult json = c.publish("h", Map.of("price", 2.5), "quote", "key-1").join();
            PublishResult again = c.publish("h", Map.of("price", 9), "quote", "key-1").join();
            PublishResult binary = c.publish("h", new byte[] {0, (byte) 0xff, 7}).join();
            assertThat(text.channel()).isEqualTo("h");
            assertThat(text.offset()).isEqualTo(1);
            assertThat(text.id()).isEqualTo(text.epoch() + "-1");
            assertThat(json.offset()).isEqualTo(2);
            assertThat(again).as("the idempotency key's retry is answered with the first").isEqualTo(json);
            assertThat(binary.offset()).isEqualTo(3);

            HistoryPage all = c.history("h", null, 100).join();
            assertThat(all.reset()).isFalse();
            assertThat(all.next()).isEqualTo(binary.id());
            assertThat(all.messages()).extracting(Envelope::id).containsExactly(text.id(), json.id(), binary.id());
            assertThat(all.messages().get(0).text()).isEqualTo("hello");
            assertThat(all.messages().get(1).event()).isEqualTo("quote");
            assertThat(all.messages().get(1).data().get("price").decimalValue()).isEqualByComparingTo("2.5");
            assertThat(all.messages().get(2).bytes()).containsExactly(0, 0xff, 7);

            HistoryPage after = c.history("h", text.id(), 1).join();
            assertThat(after.messages()).extracting(Envelope::offset).containsExactly(2L);
            assertThat(after.next()).isEqualTo(json.id());
        }
    }

    @Test
    void publishErrorsAreExceptionsWithTheWireCodeAndStatus() {
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder().maxPayloadBytes(1024).build()));
             HeraldClient c = client(t, Transport.WEBSOCKET)) {
            HeraldClientException badChannel = failure(c.publish("bad channel!", "x"));
            assertThat(badChannel.code()).isEqualTo("invalid_channel");
            assertThat(badChannel.status()).isEqualTo(400);

            HeraldClientException badEvent = failure(c.publish("ok", "x", "no spaces", null));
            assertThat(badEvent.code()).isEqualTo("invalid_event");

            HeraldClientException tooLarge = failure(c.publish("ok", "x".repeat(1025)));
            assertThat(tooLarge.code()).isEqualTo("payload_too_large");
            assertThat(tooLarge.status()).isEqualTo(413);

            HeraldClientException badSince = failure(c.history("ok", "not a position", 10));
            assertThat(badSince.code()).isEqualTo("invalid_since");
            assertThat(c.history("ok", null, 10).join().messages()).as("nothing was stored").isEmpty();
        }
    }

    @Test
    void aBrokerlessAddressIsAConnectionFailure() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (HeraldClient c = HeraldClient.builder(java.net.URI.create("http://127.0.0.1:" + closedPort)).build()) {
            HeraldClientException e = failure(c.publish("c", "x"));
            assertThat(e.code()).isEqualTo("connection_failed");
            assertThat(e.status()).isZero();
        }
    }

    @Test
    void withAccessControlPublishAndSubscribeRefusalsCarryTheirCodes() {
        TestTokens tokens = TestTokens.create();
        try (TestServer t = tokens.start()) {
            try (HeraldClient anonymous = client(t, Transport.WEBSOCKET)) {
                HeraldClientException e = failure(anonymous.publish("doc:a", "x"));
                assertThat(e.code()).isEqualTo("unauthorized");
                assertThat(e.status()).isEqualTo(401);
            }
            String noGrants = tokens.token("u1");
            String granted = tokens.token("u1", "subscribe", "doc:a");
            try (HeraldClient user = builder(t.uri(""), Transport.WEBSOCKET).token(() -> noGrants).build()) {
                HeraldClientException e = failure(user.publish("doc:a", "x"));
                assertThat(e.code()).isEqualTo("forbidden");
                assertThat(e.status()).isEqualTo(403);
            }
            try (HeraldClient server = builder(t.uri(""), Transport.WEBSOCKET).apiKey(tokens.publishKey()).build()) {
                assertThat(server.publish("doc:a", "m1").join().offset()).isEqualTo(1);
            }
            for (Transport transport : Transport.values()) {
                try (HeraldClient user = builder(t.uri(""), transport).token(() -> noGrants).build()) {
                    Recorder refused = new Recorder();
                    Subscription s = user.subscribe("doc:a", refused, null);
                    refused.awaitState(ConnectionState.CLOSED);
                    assertThat(s.state()).isEqualTo(ConnectionState.CLOSED);
                    assertThat(refused.errors()).singleElement().satisfies(err -> {
                        assertThat(((HeraldClientException) err).code()).as(transport.name()).isEqualTo("forbidden");
                        assertThat(((HeraldClientException) err).status()).isEqualTo(403);
                    });
                }
                try (HeraldClient user = builder(t.uri(""), transport).token(() -> granted).build();
                     HeraldClient server = builder(t.uri(""), transport).apiKey(tokens.publishKey()).build()) {
                    Recorder ok = new Recorder();
                    String first = server.history("doc:a", null, 0).join().next();
                    user.subscribe("doc:a", ok, first.substring(0, first.indexOf('-')) + "-0");
                    ok.awaitCount(1);
                    assertThat(ok.publications()).extracting(Envelope::offset).containsExactly(1L);
                    ok.awaitState(ConnectionState.CONNECTED);
                }
            }
            t.awaitNoSessions();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aThousandPublicationsArriveInOrderOnTheListenersThreads(Transport transport) {
        try (TestServer t = TestServer.start(); HeraldClient c = client(t, transport)) {
            Recorder r = new Recorder();
            Subscription s = c.subscribe("order", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            publish(c, "order", 1, 1000, i -> { });
            r.awaitCount(1000);
            r.assertExactly(1, 1000);
            assertThat(s.lastId()).isEqualTo(r.publications().get(999).id());
            assertThat(r.threads()).allSatisfy(name -> assertThat(name).startsWith("herald-client-listener"));
            assertThat(r.errors()).isEmpty();
            s.close();
            r.awaitState(ConnectionState.CLOSED);
            assertThat(r.states()).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.CLOSED);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void resumesAcrossServerSideDisconnectsWithNothingLostAndNothingTwice(Transport transport) {
        try (TestServer t = TestServer.start(cfg -> cfg.adminEnabled(true)); HeraldClient c = client(t, transport)) {
            Recorder r = new Recorder();
            c.subscribe("resume", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            AtomicInteger disconnects = new AtomicInteger();
            publish(c, "resume", 1, 600, i -> {
                if (i % 150 == 0) {
                    // the session is ended with 4003 forced reconnect (docs/protocol.md, "Admin switch")
                    assertThat(TestServer.json(t.adminPost("/admin/disconnect").body()).get("disconnected").asInt()).isEqualTo(1);
                    int n = disconnects.incrementAndGet();
                    TestServer.await("disconnect " + n + " seen", WAIT,
                            () -> r.states().stream().filter(st -> st == ConnectionState.DISCONNECTED).count() == n);
                    r.awaitState(ConnectionState.CONNECTED);
                }
            });
            r.awaitCount(600);
            r.assertExactly(1, 600);
            assertThat(r.states().stream().filter(st -> st == ConnectionState.DISCONNECTED).count()).isEqualTo(4);
            assertThat(r.resets()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void resumesAcrossKilledTcpConnectionsWithNothingLostAndNothingTwice(Transport transport) throws Exception {
        try (TestServer t = TestServer.start(); TcpProxy proxy = new TcpProxy(t.port(), false);
             HeraldClient publisher = client(t, Transport.WEBSOCKET);
             HeraldClient c = builder(proxy.uri(), transport).build()) {
            Recorder r = new Recorder();
            c.subscribe("killed", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            publish(publisher, "killed", 1, 600, i -> {
                if (i % 150 == 0 && i < 600) {
                    TestServer.await("delivered up to " + (i - 50), WAIT, () -> r.count() >= i - 50);
                    proxy.killAll(); // a reset mid-stream: no goodbye, no close frame
                }
            });
            r.awaitCount(600);
            r.assertExactly(1, 600);
            assertThat(proxy.accepted()).as("connections through the relay").isGreaterThanOrEqualTo(4);
            assertThat(r.states()).contains(ConnectionState.DISCONNECTED);
            c.close();
            proxy.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPositionTrimmedFromHistoryIsReportedAsAResetAndDeliveryContinues(Transport transport) {
        NodeConfig fiveKept = NodeConfig.builder().defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(fiveKept)); HeraldClient c = client(t, transport)) {
            String first = c.publish("trim", "m1").join().id();
            publish(c, "trim", 2, 20, i -> { });
            String epoch = first.substring(0, first.lastIndexOf('-'));
            Recorder r = new Recorder();
            Subscription s = c.subscribe("trim", r, first);
            TestServer.await("a reset", WAIT, () -> !r.resets().isEmpty());
            assertThat(r.resets()).containsExactly("trim@" + epoch + "-20");
            r.awaitState(ConnectionState.CONNECTED);
            publish(c, "trim", 21, 23, i -> { });
            r.awaitCount(3);
            assertThat(r.publications()).extracting(Envelope::offset).containsExactly(21L, 22L, 23L);
            assertThat(s.lastId()).isEqualTo(epoch + "-23");

            Recorder served = new Recorder();
            c.subscribe("trim2", served, null);
            served.awaitState(ConnectionState.CONNECTED);
            assertThat(served.resets()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aDisconnect4001IsResumedAndAGapMeanwhileArrivesAsAReset(Transport transport) throws Exception {
        NodeConfig fiveKept = NodeConfig.builder().defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(fiveKept)); TcpProxy proxy = new TcpProxy(t.port(), false);
             HeraldClient publisher = client(t, Transport.WEBSOCKET);
             HeraldClient c = builder(proxy.uri(), transport).build()) {
            Recorder r = new Recorder();
            Subscription s = c.subscribe("gap", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            publish(publisher, "gap", 1, 3, i -> { });
            r.awaitCount(3);
            String epoch = r.publications().get(0).epoch();

            proxy.refuseNew(true); // the client cannot come back before the position it resumes from is trimmed
            assertThat(t.server().node().disconnectAll(Disconnect.INSUFFICIENT_STATE)).isEqualTo(1);
            TestServer.await("the 4001 seen", WAIT, () -> r.saw(ConnectionState.DISCONNECTED));
            publish(publisher, "gap", 4, 20, i -> { });
            proxy.refuseNew(false);
            TestServer.await("a reset", WAIT, () -> !r.resets().isEmpty());
            assertThat(r.resets()).containsExactly("gap@" + epoch + "-20");
            r.awaitState(ConnectionState.CONNECTED);
            publish(publisher, "gap", 21, 21, i -> { });
            r.awaitCount(4);
            assertThat(r.publications()).extracting(Envelope::offset).containsExactly(1L, 2L, 3L, 21L);
            assertThat(s.lastId()).isEqualTo(epoch + "-21");
            c.close();
            proxy.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aDisconnectAdvisingNoReconnectEndsTheSubscriptionWithItsCode(Transport transport) {
        try (TestServer t = TestServer.start(); HeraldClient c = client(t, transport)) {
            Recorder r = new Recorder();
            Subscription s = c.subscribe("end", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            assertThat(t.server().node().disconnectAll(Disconnect.FORBIDDEN)).isEqualTo(1);
            r.awaitState(ConnectionState.CLOSED);
            assertThat(s.state()).isEqualTo(ConnectionState.CLOSED);
            assertThat(r.errors()).singleElement().satisfies(e -> {
                HeraldClientException h = (HeraldClientException) e;
                assertThat(h.code()).isEqualTo("disconnected");
                assertThat(h.disconnectCode()).isEqualTo(4403);
            });
            t.awaitNoSessions();
            assertThat(r.states()).doesNotContain(ConnectionState.DISCONNECTED);
        }
    }

    @Test
    void subscriptionsShareOneWebSocketAndTheLastCloseEndsIt() {
        try (TestServer t = TestServer.start(); HeraldClient c = client(t, Transport.WEBSOCKET)) {
            Recorder a = new Recorder();
            Recorder b = new Recorder();
            Recorder d = new Recorder();
            Subscription sa = c.subscribe("a", a, null);
            Subscription sb = c.subscribe("b", b, null);
            Subscription sd = c.subscribe("d", d, null);
            a.awaitState(ConnectionState.CONNECTED);
            b.awaitState(ConnectionState.CONNECTED);
            d.awaitState(ConnectionState.CONNECTED);
            assertThat(t.server().node().sessionCount()).as("sessions: one WebSocket").isEqualTo(1);
            assertThat(t.server().node().subscriptionCount()).isEqualTo(3);
            assertThatThrownBy(() -> c.subscribe("a", new Recorder(), null)).isInstanceOf(IllegalStateException.class);
            c.publish("a", "m1").join();
            c.publish("b", "m1").join();
            c.publish("d", "m1").join();
            a.awaitCount(1);
            b.awaitCount(1);
            d.awaitCount(1);
            sa.close();
            TestServer.await("unsubscribed", WAIT, () -> t.server().node().subscriptionCount() == 2);
            c.publish("a", "m2").join();
            c.publish("b", "m2").join();
            b.awaitCount(2);
            assertThat(a.count()).isEqualTo(1);
            sb.close();
            sd.close();
            t.awaitNoSessions();
            Recorder again = new Recorder();
            c.subscribe("a", again, null);
            again.awaitState(ConnectionState.CONNECTED);
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
        }
    }

    @Test
    void fallsBackToSseWhenTheWebSocketUpgradeIsRefused() throws Exception {
        try (TestServer t = TestServer.start(); TcpProxy proxy = new TcpProxy(t.port(), true);
             HeraldClient c = builder(proxy.uri(), Transport.WEBSOCKET).build()) {
            Recorder r = new Recorder();
            c.subscribe("fb", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            assertThat(proxy.refused()).isEqualTo(1);
            assertThat(r.errors()).singleElement().satisfies(e -> assertThat(((HeraldClientException) e).code()).isEqualTo("websocket_refused"));
            c.publish("fb", "m1").join();
            c.publish("fb", "m2").join();
            r.awaitCount(2);
            r.assertExactly(1, 2);
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
            Recorder later = new Recorder();
            c.subscribe("fb2", later, null);
            later.awaitState(ConnectionState.CONNECTED);
            assertThat(proxy.refused()).as("a later subscription goes to SSE at once").isEqualTo(1);
            c.close();
            proxy.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aSlowListenerHoldsTheConnectionBackWithinTheQueueBoundAndLosesNothing(Transport transport) {
        int capacity = 8;
        int n = 1000;
        NodeConfig node = NodeConfig.builder().defaultNamespace(NamespaceOptions.builder().historySize(5000).build())
                .queueMaxBytes(80_000).build();
        CountDownLatch gate = new CountDownLatch(1);
        try (TestServer t = TestServer.start(cfg -> cfg.node(node));
             HeraldClient publisher = client(t, Transport.WEBSOCKET);
             HeraldClient c = builder(t.uri(""), transport).queueCapacity(capacity).build()) {
            Recorder r = new Recorder() {
                @Override
                public void onPublication(Envelope envelope) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    super.onPublication(envelope);
                }
            };
            c.subscribe("slow", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            String pad = "x".repeat(8000);
            Inbox inbox = c.inboxOf("slow");
            for (int i = 1; i <= n; i++) {
                publisher.publish("slow", "m" + i + ":" + pad).join();
                assertThat(inbox.size()).isLessThanOrEqualTo(capacity);
            }
            TestServer.await("the inbox full", WAIT, () -> inbox.size() == capacity);
            assertThat(inbox.highWater()).isEqualTo(capacity);
            gate.countDown();
            r.awaitCount(n);
            r.assertExactly(1, n);
            assertThat(inbox.highWater()).as("never more than the bound queued").isEqualTo(capacity);
            // the server's queue for the held-back connection filled: it cut the session as slow (4000), the
            // client resumed from what it had received (docs/protocol.md, "Backpressure")
            assertThat(t.server().node().disconnectCounts().get(io.herald.core.Disconnect.SLOW)).isGreaterThanOrEqualTo(1L);
            assertThat(r.states()).containsSubsequence(ConnectionState.CONNECTED, ConnectionState.DISCONNECTED,
                    ConnectionState.CONNECTING, ConnectionState.CONNECTED);
        }
    }

    @Test
    void closingTheClientClosesEverySubscriptionAndRefusesNewOnes() {
        try (TestServer t = TestServer.start()) {
            HeraldClient c = client(t, Transport.WEBSOCKET);
            Recorder ws = new Recorder();
            c.subscribe("x", ws, null);
            HeraldClient sse = client(t, Transport.SSE);
            Recorder r = new Recorder();
            sse.subscribe("x", r, null);
            ws.awaitState(ConnectionState.CONNECTED);
            r.awaitState(ConnectionState.CONNECTED);
            c.close();
            sse.close();
            ws.awaitState(ConnectionState.CLOSED);
            r.awaitState(ConnectionState.CLOSED);
            assertThatThrownBy(() -> c.subscribe("y", new Recorder(), null)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> c.publish("y", "x").join()).isInstanceOf(CompletionException.class);
            t.awaitNoSessions();
        }
    }

    @Test
    void aListenerThatThrowsIsToldThroughOnErrorAndDeliveryGoesOn() {
        try (TestServer t = TestServer.start(); HeraldClient c = client(t, Transport.WEBSOCKET)) {
            Recorder r = new Recorder() {
                @Override
                public void onPublication(Envelope envelope) {
                    super.onPublication(envelope);
                    if (envelope.offset() == 1) {
                        throw new IllegalStateException("listener bug");
                    }
                }
            };
            c.subscribe("throws", r, null);
            r.awaitState(ConnectionState.CONNECTED);
            publish(c, "throws", 1, 2, i -> { });
            r.awaitCount(2);
            assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e).hasMessage("listener bug"));
        }
    }

}
