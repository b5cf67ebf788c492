package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.testing.BackgroundPublisher;
import io.herald.server.testing.TestServer;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient.Behaviour;
import io.herald.server.transport.contract.TransportClient.Subscription;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every push transport owes its subscribers (docs/protocol.md, "Resume rule", "Transports",
 * "Backpressure"), written once as behaviours and run against each transport by a subclass that
 * names its {@link TransportClient}: SSE, XHR streaming, the forever iframe, long and short
 * polling, the raw WebSocket and the WebSocket protocol. Each test starts a real server on a free
 * port and talks to it over real sockets; a behaviour a transport cannot have is skipped with the
 * client's reason ({@link TransportClient#cannot}). What is particular to one transport (exact wire
 * bytes, options, bad input) is tested in that transport's own package.
 */
@Timeout(60)
public abstract class TransportContractTest {
    /** More than any transport's response head, prelude and subscribe reply take. */
    private static final int HEAD_BYTES = 4096;
    /** More than any transport adds to a payload: SSE's {@code id:}/{@code data:}, an envelope, a frame header, a chunk's. */
    private static final int FRAMING_BYTES = 400;
    private final TransportClient client = client();

    /** The client of the transport under test. */
    protected abstract TransportClient client();

    @Test
    void deliversEveryPublicationOnceInOrderWithItsPayload() throws Exception {
        try (TestServer t = start(cfg -> { })) {
            String start = position(t, "order");
            List<Sent> sent = new ArrayList<>();
            // Published before the subscription: recovered from history, then live ones follow.
            sent.add(Sent.text(t, "order", null, "hello"));
            sent.add(Sent.json(t, "order", "userlogin", "{\"username\": \"John123\", \"n\": [1, 2.50, null]}"));
            sent.add(Sent.binary(t, "order", new byte[] {0, 1, 2, (byte) 0xff, '\n'}));
            try (Subscription s = client.open(t, "order", start)) {
                for (Sent expected : sent) {
                    expected.assertReceived(s.next());
                }
                List<Sent> live = new ArrayList<>();
                live.add(Sent.text(t, "order", null, "two\nlines ünïcødé </script> <!-- \"q\" & \u2028"));
                for (int i = 1; i <= 50; i++) {
                    live.add(i % 5 == 0 ? Sent.json(t, "order", "tick", "{\"i\":" + i + "}") : Sent.text(t, "order", null, "m" + i));
                }
                for (Sent expected : live) {
                    expected.assertReceived(nextPublication(s));
                }
                // Exactly once: what comes next is a new publication, not a repeat.
                Sent.text(t, "order", null, "end").assertReceived(nextPublication(s));
            }
        }
    }

    @Test
    void resumesWithoutLossOrDuplicateWhileAPublisherKeepsPublishing() throws Exception {
        int total = 300;
        try (TestServer t = start(cfg -> { })) {
            String[] last = {position(t, "resume")};
            List<String> received = new ArrayList<>();
            Consumer<Signal> receive = p -> {
                assertThat(p.kind()).as("expected a publication (no reset on resume), got %s", p).isEqualTo(Kind.PUBLICATION);
                assertFollows(p, last[0]);
                if (p.event() != null) {
                    assertThat(p.event()).as("event type").isEqualTo("message");
                }
                received.add(p.data());
                last[0] = p.id();
            };
            int subscriptions = 0;
            try (BackgroundPublisher publisher = BackgroundPublisher.start(t.server(), "resume", "m", total)) {
                while (received.size() < total) {
                    subscriptions++;
                    try (Subscription s = client.open(t, "resume", last[0])) {
                        int take = ThreadLocalRandom.current().nextInt(1, 40);
                        for (int i = 0; i < take && received.size() < total; i++) {
                            receive.accept(nextSignal(s));
                        }
                        if (received.size() == total) {
                            // Nothing left to come twice: the next publication is a new one.
                            publisher.join();
                            String end = publish(t, "resume", "end");
                            assertPublication(nextPublication(s), end, "end");
                        } else if (subscriptions % 3 == 0) {
                            // Every third time the server drops the session instead of the client.
                            t.server().node().disconnectAll(Disconnect.FORCE_RECONNECT);
                            if (client.cannot(Behaviour.DROP_GOODBYE) == null) {
                                Signal next;
                                while ((next = nextSignal(s)).kind() != Kind.GOODBYE) {
                                    receive.accept(next);
                                }
                                assertGoodbye(next, Disconnect.FORCE_RECONNECT, last[0]);
                                assertEnd(s.next(), next);
                            }
                        }
                    } // closing drops the connection: no goodbye from the client
                }
                assertThat(received).containsExactlyElementsOf(publisher.expected());
            }
            assertThat(subscriptions).as("subscriptions it took").isGreaterThan(2);
        }
    }

    @Test
    void resetsAPositionOlderThanHistoryFirstThenGoesOnLive() throws Exception {
        NodeConfig fiveKept = NodeConfig.builder().defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build();
        try (TestServer t = start(cfg -> cfg.node(fiveKept))) {
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                ids.add(publish(t, "old", "m" + i));
            }
            String epoch = StreamPosition.parse(ids.get(19)).epoch();
            try (Subscription s = client.open(t, "old", epoch + "-2")) {
                Signal reset = s.next();
                assertThat(reset.kind()).as("the first signal for a position history no longer holds").isEqualTo(Kind.RESET);
                assertThat(reset.id()).as("the reset's current id").isEqualTo(ids.get(19));
                String m21 = publish(t, "old", "m21");
                assertPublication(nextPublication(s), m21, "m21");
            }
            // A position history still holds is served from there, with no reset.
            try (Subscription s = client.open(t, "old", epoch + "-17")) {
                for (int i = 18; i <= 21; i++) {
                    assertPublication(s.next(), epoch + "-" + i, "m" + i);
                }
            }
        }
    }

    @Test
    void resetsAPositionOfAnotherEpochToTheStreamsStartThenGoesOnLive() throws Exception {
        try (TestServer t = start(cfg -> { })) {
            String one = publish(t, "epochs", "one");
            try (Subscription s = client.open(t, "epochs", "zzzzzz-3")) {
                Signal reset = s.next();
                assertThat(reset.kind()).as("the first signal for a position of another epoch").isEqualTo(Kind.RESET);
                // The channel's stream still holds all it ever had: the reset starts at its start and
                // its publications follow (docs/protocol.md, "Resume rule").
                assertThat(reset.id()).as("the reset's id: the stream's start").isEqualTo(StreamPosition.parse(one).epoch() + "-0");
                assertPublication(nextPublication(s), one, "one");
                String two = publish(t, "epochs", "two");
                assertPublication(nextPublication(s), two, "two");
            }
            // On a channel with nothing published yet the current id is its EPOCH-0.
            try (Subscription s = client.open(t, "unused", "zzzzzz-5")) {
                Signal reset = s.next();
                assertThat(reset.kind()).as("the first signal for a position of another epoch").isEqualTo(Kind.RESET);
                assertThat(reset.id()).as("an empty channel's current id").matches("[a-z0-9]+-0").doesNotStartWith("zzzzzz-");
                String first = publish(t, "unused", "first");
                assertThat(first).isEqualTo(StreamPosition.parse(reset.id()).epoch() + "-1");
                assertPublication(nextPublication(s), first, "first");
            }
        }
    }

    @Test
    void withoutAPositionDeliversOnlyWhatIsPublishedAfterSubscribing() throws Exception {
        requires(Behaviour.LIVE_ONLY);
        try (TestServer t = start(cfg -> { })) {
            publish(t, "live", "old1");
            publish(t, "live", "old2");
            try (Subscription s = client.open(t, "live", null)) {
                awaitSubscriptions(t, 1);
                String id = publish(t, "live", "new");
                // The first signal: no reset, no earlier publication.
                Signal first = s.next();
                assertThat(first.kind()).as("the first signal of a live-only subscription").isEqualTo(Kind.PUBLICATION);
                assertThat(first.data()).isEqualTo("new");
                if (first.id() != null) {
                    assertThat(first.id()).isEqualTo(id);
                }
                publish(t, "live", "newer");
                assertThat(nextPublication(s).data()).as("the next one").isEqualTo("newer");
            }
        }
    }

    @Test
    void cutsASubscriberThatStopsReadingAndKeepsServingTheOthers() throws Exception {
        requires(Behaviour.SLOW_CONSUMER_CUT);
        int queueMax = 128 * 1024;
        String payload = "x".repeat(8 * 1024);
        int after = 100;
        int most = 5000; // 40 MiB through a client that reads nothing: far more than any socket buffers
        try (TestServer t = start(cfg -> cfg.node(NodeConfig.builder().queueMaxBytes(queueMax).build()));
             Socket stalled = new Socket()) {
            String start = position(t, "flood");
            stalled.setReceiveBufferSize(4096); // before connecting, so the TCP window is small from the start
            stalled.connect(new InetSocketAddress("127.0.0.1", t.port()));
            String answer = client.subscribeWithoutReading(stalled, "flood");
            int cutAt = 0;
            try (Subscription fast = client.open(t, "flood", start)) {
                awaitSubscriptions(t, 2);
                long maxBacklog = 0;
                // Publishes until the stalled subscriber is cut, then 100 more: the reader gets every one.
                for (int i = 1; cutAt == 0 || i <= cutAt + after; i++) {
                    assertThat(i).as("publications before the stalled subscriber is cut").isLessThanOrEqualTo(most);
                    Publication p = t.server().publish("flood", null, Payload.text(i + ":" + payload)).join();
                    maxBacklog = Math.max(maxBacklog, t.server().node().backlog());
                    if (cutAt == 0 && slowDisconnects(t) > 0) {
                        cutAt = i;
                    }
                    Signal got = nextPublication(fast);
                    assertThat(got.data()).as("publication %s to the subscriber that reads", i).startsWith(i + ":");
                    assertThat(got.id()).isEqualTo(p.id());
                }
                // Each queued push holds a whole payload, so the stalled subscriber's queue, held to its bound
                // in bytes, never held more than queueMax / payload pushes, plus the one that overflowed it;
                // the reader's holds the publication just made, at most.
                assertThat(maxBacklog).as("most pushes queued at once").isLessThanOrEqualTo(queueMax / payload.length() + 1 + 1);
                TestServer.await("only the subscriber that reads left", Duration.ofSeconds(10),
                        () -> t.server().node().sessionCount() == 1);
                assertThat(slowDisconnects(t)).isEqualTo(1L);
            }
            // The server closed the stalled connection: what reached it ends, not hangs, and holds
            // nothing published after the cut (what the kernel's buffers held before it, at most).
            stalled.setSoTimeout((int) TransportClient.WAIT.toMillis());
            byte[] got = stalled.getInputStream().readAllBytes();
            assertThat(new String(got, StandardCharsets.ISO_8859_1)).as("what the stalled subscriber got").startsWith(answer);
            assertThat(got.length).as("bytes the stalled subscriber got, cut after publication %s", cutAt)
                    .isLessThan(HEAD_BYTES + cutAt * (payload.length() + FRAMING_BYTES));
        }
    }

    @Test
    void sendsHeartbeatsOnAnIdleStream() throws Exception {
        requires(Behaviour.HEARTBEAT);
        try (TestServer t = start(cfg -> cfg.heartbeat(Duration.ofMillis(200)))) {
            try (Subscription s = client.open(t, "beat", position(t, "beat"))) {
                assertThat(s.next().kind()).isEqualTo(Kind.HEARTBEAT);
                assertThat(s.next().kind()).isEqualTo(Kind.HEARTBEAT);
            }
        }
    }

    @Test
    void saysGoodbyeWithReconnectAdviceWhenTheServerShutsDown() throws Exception {
        requires(Behaviour.SHUTDOWN_GOODBYE);
        TestServer t = start(cfg -> { });
        String last = publish(t, "bye", "before");
        try (t; Subscription s = client.open(t, "bye", last)) {
            awaitSubscriptions(t, 1);
            t.shutdownWithClientsConnected();
            Signal bye = s.next();
            assertGoodbye(bye, Disconnect.SHUTDOWN, last);
            assertEnd(s.next(), bye);
        }
    }

    private TestServer start(Consumer<ServerConfig.Builder> configure) {
        return startServer(cfg -> {
            client.configure(cfg);
            configure.accept(cfg);
        });
    }

    /** Starts the server of one test, configured by {@code configure}: cleartext HTTP/1.1 unless a subclass says otherwise. */
    protected TestServer startServer(Consumer<ServerConfig.Builder> configure) {
        return TestServer.start(configure);
    }

    private void requires(Behaviour behaviour) {
        String why = client.cannot(behaviour);
        assumeTrue(why == null, () -> client.name() + ": " + why);
    }

    /** The channel's current position, {@code next} of an empty history page. */
    private static String position(TestServer t, String channel) {
        return TestServer.json(t.get("/history/" + channel + "?limit=0").body()).get("next").asText();
    }

    /** Publishes a text through {@code POST /pub}; returns its id. */
    private static String publish(TestServer t, String channel, String text) {
        return t.publish(channel, text).get("id").asText();
    }

    private static void awaitSubscriptions(TestServer t, int n) {
        TestServer.await(n + " subscription(s)", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == n);
    }

    private static long slowDisconnects(TestServer t) {
        return t.server().node().disconnectCounts().getOrDefault(Disconnect.SLOW, 0L);
    }

    /** The next signal that is not a heartbeat. */
    private static Signal nextSignal(Subscription s) throws Exception {
        Signal next;
        do {
            next = s.next();
        } while (next.kind() == Kind.HEARTBEAT);
        return next;
    }

    /** The next signal that is not a heartbeat, asserted to be a publication. */
    private static Signal nextPublication(Subscription s) throws Exception {
        Signal next = nextSignal(s);
        assertThat(next.kind()).as("expected a publication, got %s", next).isEqualTo(Kind.PUBLICATION);
        return next;
    }

    private static void assertPublication(Signal signal, String id, String text) {
        assertThat(signal.kind()).as("expected a publication, got %s", signal).isEqualTo(Kind.PUBLICATION);
        assertThat(signal.data()).isEqualTo(text);
        assertThat(signal.id()).isEqualTo(id);
    }

    /** {@code p} is the publication right after {@code last}: same epoch, next offset. */
    private static void assertFollows(Signal p, String last) {
        StreamPosition before = StreamPosition.parse(last);
        assertThat(p.id()).as("the id after %s", last).isEqualTo(new StreamPosition(before.epoch(), before.offset() + 1).id());
    }

    /** A goodbye for {@code reason}, with what the transport carries of it, then the end. */
    private static void assertGoodbye(Signal bye, Disconnect reason, String resumeFrom) {
        assertThat(bye.kind()).as("expected the goodbye, got %s", bye).isEqualTo(Kind.GOODBYE);
        if (bye.code() != null) {
            assertThat(bye.code()).as("goodbye code").isEqualTo(reason.code());
        }
        if (bye.reason() != null) {
            assertThat(bye.reason()).as("goodbye reason").isEqualTo(reason.reason());
        }
        if (bye.reconnect() != null) {
            assertThat(bye.reconnect()).as("reconnect advice").isTrue();
        }
        if (bye.id() != null) {
            assertThat(bye.id()).as("the position to resume from").isEqualTo(resumeFrom);
        }
    }

    private static void assertEnd(Signal end, Signal bye) {
        assertThat(end.kind()).as("expected the end after the goodbye, got %s", end).isEqualTo(Kind.END);
        if (end.code() != null && bye.code() != null) {
            assertThat(end.code()).as("close code").isEqualTo(bye.code());
        }
    }

    /** One publication as published, to compare with what a subscriber received. */
    private record Sent(String id, String event, Payload.Kind kind, String data) {
        static Sent text(TestServer t, String channel, String event, String text) {
            return of(t, channel, event, Payload.text(text), text);
        }

        static Sent json(TestServer t, String channel, String event, String json) {
            return of(t, channel, event, Payload.json(json), json);
        }

        static Sent binary(TestServer t, String channel, byte[] bytes) {
            return of(t, channel, null, Payload.binary(bytes), Base64.getEncoder().encodeToString(bytes));
        }

        private static Sent of(TestServer t, String channel, String event, Payload payload, String data) {
            Publication p = t.server().publish(channel, event, payload).join();
            return new Sent(p.id(), p.event(), payload.kind(), data);
        }

        /** {@code got} is this publication: its id, its event type where carried, its payload. */
        void assertReceived(Signal got) {
            assertThat(got.kind()).as("expected publication %s, got %s", id, got).isEqualTo(Kind.PUBLICATION);
            assertThat(got.id()).as("id").isEqualTo(id);
            if (got.event() != null) {
                assertThat(got.event()).as("event type of %s", id).isEqualTo(event);
            }
            if (kind == Payload.Kind.JSON) {
                assertThat(TestServer.json(got.data())).as("JSON payload of %s", id).isEqualTo(TestServer.json(data));
            } else {
                assertThat(got.data()).as("payload of %s", id).isEqualTo(data);
            }
        }
    }
}
