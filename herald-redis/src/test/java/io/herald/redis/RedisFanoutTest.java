package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.BrokerListener;
import io.herald.core.hub.RecordingTransport;
import io.herald.core.hub.Subscribed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis broker's node-to-node fan-out under the failures its design names (the scenarios of
 * the Redis broker design, section 9): nodes ({@link Node}s with sessions) or bare brokers on one
 * real {@code redis-server}, with Redis flushed, its pub/sub connections killed or dropped for a
 * slow reader, processors stalled, a connection gone silent, subscriptions flapping, thousands of
 * channels resubscribed and a herd of resumes after a restart.
 */
@Timeout(120)
class RedisFanoutTest {
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(100_000).build();
    private static final AtomicInteger TESTS = new AtomicInteger();

    private RedisServerProcess redis;
    private String prefix;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        prefix = "f" + TESTS.incrementAndGet();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        writer.shutdownNow();
        redis.stop();
    }

    private RedisBrokerConfig config() {
        // generous: these tests are about losses, not timeouts, and share a small busy machine
        return RedisBrokerConfig.of(redis.address()).withPrefix(prefix).withTimeout(Duration.ofSeconds(10));
    }

    private RedisBroker broker(RedisBrokerConfig config, BrokerListener into) {
        RedisBroker broker = new RedisBroker(config);
        closing.add(broker);
        broker.start(into);
        return broker;
    }

    /** A node on a new broker of {@code config} (the node starts and closes it). */
    private Node node(RedisBrokerConfig config) {
        return node(new RedisBroker(config));
    }

    /** A node on {@code broker}, not yet started (the node starts and closes it). */
    private Node node(RedisBroker broker) {
        // a short reset spread: these tests are about whether sessions are told of a loss, not when
        Node node = new Node(NodeConfig.builder().defaultNamespace(OPTIONS).resetSpread(Duration.ofMillis(300)).build(), broker);
        closing.add(0, node); // closed before the brokers' Redis goes
        return node;
    }

    private RecordingTransport session(Node node) {
        RecordingTransport t = new RecordingTransport(writer);
        t.session = node.newSession(t);
        return t;
    }

    /** Records what a bare broker delivers, and the streams it reports lost. */
    private static final class Recorder implements BrokerListener {
        final List<Publication> publications = new CopyOnWriteArrayList<>();
        final List<String> lost = new CopyOnWriteArrayList<>();

        @Override
        public void onPublication(Publication publication) {
            publications.add(publication);
        }

        @Override
        public void onStreamLost(String channel) {
            lost.add(channel);
        }

        List<Long> offsets(String channel) {
            return publications.stream().filter(p -> p.channel().equals(channel)).map(Publication::offset).toList();
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** Scenario 1: two nodes, four publishing threads; sessions on both see every offset once, in order. */
    @Test
    void sessionsOnTwoNodesSeeEveryOffsetOnceInOrder() throws Exception {
        Node a = node(config());
        Node b = node(config());
        RecordingTransport onA = session(a);
        RecordingTransport onB = session(b);
        a.subscribe(onA.session, "room", null).join();
        b.subscribe(onB.session, "room", null).join();

        List<CompletableFuture<Void>> publishers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            publishers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 250; i++) {
                    a.publish("room", null, Payload.text("x")).join();
                }
            }));
        }
        CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        await("1000 on both nodes", () -> onA.offsets().size() >= 1000 && onB.offsets().size() >= 1000);
        assertThat(onA.offsets()).containsExactlyElementsOf(range(1, 1000));
        assertThat(onB.offsets()).containsExactlyElementsOf(range(1, 1000));
    }

    /**
     * Scenario 3: while one node publishes, sessions on the other subscribe from random recent
     * positions: each gets a recovered, contiguous stream from its position on, and no reset.
     */
    @Test
    void sessionsResumingFromRecentPositionsWhilePublishingGetContiguousStreams() throws Exception {
        Node a = node(config());
        Node b = node(config());
        for (int i = 0; i < 100; i++) {
            a.publish("race", null, Payload.text("m")).join();
        }
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong top = new AtomicLong(100);
        String epoch = a.history("race", null, 0).join().next().epoch();
        Thread publisher = new Thread(() -> {
            while (publishing.get()) {
                top.set(a.publish("race", null, Payload.text("m")).join().offset());
            }
        });
        publisher.start();
        List<RecordingTransport> sessions = new ArrayList<>();
        List<Long> since = new ArrayList<>();
        List<CompletableFuture<Subscribed>> subscribes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long from = Math.max(0, top.get() - ThreadLocalRandom.current().nextLong(50));
            RecordingTransport t = session(b);
            sessions.add(t);
            since.add(from);
            subscribes.add(b.subscribe(t.session, "race", new StreamPosition(epoch, from)));
            if (i % 20 == 0) {
                Thread.sleep(5); // spread the subscribes over the publishing
            }
        }
        CompletableFuture.allOf(subscribes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        publishing.set(false);
        publisher.join();
        long last = top.get();
        for (int i = 0; i < sessions.size(); i++) {
            RecordingTransport t = sessions.get(i);
            long from = since.get(i);
            await("session " + i + " up to " + last, () -> t.offsets().size() >= last - from || t.session.isClosed());
            assertThat(t.closedWith).as("session %d", i).isNull();
            assertThat(t.notice().reset()).isFalse();
            assertThat(t.offsets()).as("session %d from %d", i, from).containsExactlyElementsOf(range(from + 1, last));
        }
    }

    /**
     * Scenario 7: FLUSHALL while nothing is published: the top check finds the idle channel's
     * stream gone within two intervals, and its subscribers are disconnected to resume (and get a
     * reset) instead of waiting silently.
     */
    @Test
    void aFlushedIdleChannelIsFoundByTheTopCheckAndItsSubscribersResume() throws Exception {
        Duration interval = Duration.ofMillis(300);
        RedisBroker brokerB = new RedisBroker(config().withTopCheckInterval(interval));
        Node a = node(config());
        Node b = node(brokerB);
        RecordingTransport t = session(b);
        b.subscribe(t.session, "idle", null).join();
        Publication before = null;
        for (int i = 0; i < 3; i++) {
            before = a.publish("idle", null, Payload.text("m")).join();
        }
        await("3 delivered", () -> t.offsets().size() == 3);

        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        long flushed = System.nanoTime();
        await("the subscriber disconnected", () -> t.session.isClosed());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flushed)).isLessThan(2 * interval.toMillis() + 3000); // slack for a busy machine
        assertThat(t.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
        assertThat(brokerB.stats().resets()).isPositive();
        assertThat(brokerB.stats().topChecks()).isPositive();

        RecordingTransport resumed = session(b);
        Subscribed notice = b.subscribe(resumed.session, "idle", before.position()).join();
        assertThat(notice.reset()).isTrue();
        Publication next = a.publish("idle", null, Payload.text("new life")).join();
        assertThat(next.offset()).isEqualTo(1);
        await("the new stream delivered", () -> resumed.offsets().contains(1L));
        assertThat(resumed.session.isClosed()).isFalse();
    }

    /**
     * Scenario 8: {@code CLIENT KILL TYPE pubsub} while publishing at about 1,500/s: the node
     * reconnects, resubscribes and catches up; every offset is delivered once, in order, and no
     * session is disconnected.
     */
    @Test
    void killingThePubSubConnectionsWhilePublishingLosesNothingAndResetsNobody() throws Exception {
        RedisBroker brokerB = new RedisBroker(config());
        Node a = node(config());
        Node b = node(brokerB);
        List<RecordingTransport> sessions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RecordingTransport t = session(b);
            b.subscribe(t.session, "k", null).join();
            sessions.add(t);
        }
        AtomicLong top = new AtomicLong();
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread publisher = new Thread(() -> {
            long start = System.nanoTime();
            for (int i = 0; publishing.get(); i++) {
                top.set(a.publish("k", null, Payload.text("m")).join().offset());
                long due = start + i * 666_666L; // 1,500 per second
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
        });
        publisher.start();
        for (int kill = 0; kill < 3; kill++) {
            long before = top.get();
            await("publishing", () -> top.get() >= before + 500);
            assertThat(redis.command("CLIENT KILL TYPE pubsub")).startsWith(":");
            int reconnects = kill + 1;
            await("reconnect " + reconnects, () -> brokerB.stats().reconnects() >= reconnects);
        }
        long before = top.get();
        await("publishing after the kills", () -> top.get() >= before + 500);
        publishing.set(false);
        publisher.join();
        long last = top.get();
        for (RecordingTransport t : sessions) {
            await("all " + last, () -> t.offsets().size() >= last || t.session.isClosed());
            assertThat(t.closedWith).isNull();
            assertThat(t.offsets()).containsExactlyElementsOf(range(1, last));
        }
        assertThat(brokerB.stats().resets()).isZero();
        assertThat(brokerB.stats().catchUps()).isGreaterThanOrEqualTo(3);
    }

    /**
     * Scenario 9: a reader that stops reading (a test hook blocks it) makes Redis drop the pub/sub
     * connection at its output buffer limit; the node reconnects and fills from history: zero loss,
     * one reconnect, no reset.
     */
    @Test
    void aPubSubConnectionDroppedForASlowReaderIsReconnectedAndFilledWithZeroLoss() throws Exception {
        assertThat(redis.reply("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 1")).containsExactly("+OK");
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config(), onB);
        b.subscribe("slow").join();
        CountDownLatch stalled = new CountDownLatch(1);
        b.pubsub().stallReaderForTest(stalled);
        Payload kb = Payload.binary(new byte[1024]);
        long pubsubClients = pubsubClients();
        int n = 0;
        while (pubsubClients() == pubsubClients) { // until Redis drops B's connection (Redis 7.0 has no counter of it)
            List<CompletableFuture<Publication>> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(a.publish("slow", "m", kb, OPTIONS));
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
            n += 100;
            assertThat(n).as("Redis dropped the stalled reader").isLessThan(20_000);
        }
        stalled.countDown();
        int published = n;
        for (int i = 0; i < 100; i++) { // and more after the drop
            a.publish("slow", "m", kb, OPTIONS).join();
        }
        int total = published + 100;
        await("all " + total + " on B", () -> onB.offsets("slow").size() >= total);
        assertThat(onB.offsets("slow")).containsExactlyElementsOf(range(1, total));
        assertThat(b.stats().reconnects()).isEqualTo(1);
        assertThat(b.stats().resets()).isZero();
        assertThat(b.stats().catchUps()).isPositive();
    }

    /** The number of pub/sub connections Redis has (both nodes' probes keep theirs in pub/sub mode). */
    private long pubsubClients() {
        return redis.reply("CLIENT", "LIST", "TYPE", "pubsub").get(0).lines().count();
    }

    /**
     * The reader never waits for a stalled processor: with its queue full, messages are dropped and
     * the channel is caught up from history once the processor runs again, in order, with no loss.
     */
    @Test
    void aFullProcessorQueueMarksTheChannelForACatchUpAndLosesNothing() throws Exception {
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config().withProcessors(1, 16), onB);
        b.subscribe("full").join();
        a.publish("full", "m", Payload.text("first"), OPTIONS).join();
        await("the first", () -> onB.offsets("full").size() == 1);
        CountDownLatch stalled = new CountDownLatch(1);
        b.fanout().stallForTest(stalled);
        for (int i = 0; i < 500; i++) {
            a.publish("full", "m", Payload.text("m" + i), OPTIONS).join();
        }
        await("an overflow", () -> b.stats().overflows() > 0);
        b.fanout().stallForTest(null);
        stalled.countDown();
        await("all 501", () -> onB.offsets("full").size() >= 501);
        assertThat(onB.offsets("full")).containsExactlyElementsOf(range(1, 501));
        assertThat(onB.publications.get(500).data().text()).isEqualTo("m499");
        assertThat(b.stats().catchUps()).isPositive();
        assertThat(b.stats().resets()).isZero();
        assertThat(onB.lost).isEmpty();
    }

    /**
     * Scenario 10 (without a proxy): a pub/sub connection that silently stops delivering (a test
     * hook ignores its input) is restarted by the probe within two intervals, and what was published
     * meanwhile is caught up.
     */
    @Test
    void aSilentPubSubConnectionIsRestartedByTheProbeAndCaughtUp() throws Exception {
        Duration probe = Duration.ofMillis(300);
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config().withProbeInterval(probe), onB);
        b.subscribe("quiet").join();
        a.publish("quiet", "m", Payload.text("1"), OPTIONS).join();
        await("the first", () -> onB.offsets("quiet").size() == 1);
        b.pubsub().deafForTest();
        long wedged = System.nanoTime();
        for (int i = 2; i <= 5; i++) {
            a.publish("quiet", "m", Payload.text(Integer.toString(i)), OPTIONS).join();
        }
        await("a probe restart", () -> b.stats().probeRestarts() == 1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wedged)).isLessThan(3 * probe.toMillis() + 3000); // slack for a busy machine
        await("all 5", () -> onB.offsets("quiet").size() >= 5);
        assertThat(onB.offsets("quiet")).containsExactlyElementsOf(range(1, 5));
        assertThat(b.stats().reconnects()).isEqualTo(1);
    }

    /**
     * Scenario 13: 1,000 subscribe/unsubscribe cycles on one channel with random delays, with a
     * short linger: Redis ends in the node's state ({@code PUBSUB NUMSUB} 1 while subscribed, 0
     * after the linger), and publications reach the node exactly while it is subscribed.
     */
    @Test
    void flappingSubscriptionsEndInTheNodesState() throws Exception {
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config().withLinger(Duration.ofMillis(2)), onB);
        String pubsubChannel = prefix + ":c:{flap}";
        List<CompletableFuture<Void>> subscribes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            subscribes.add(b.subscribe("flap"));
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                Thread.sleep(0, ThreadLocalRandom.current().nextInt(1_000_000));
            }
            b.unsubscribe("flap").join();
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(3));
            }
        }
        CompletableFuture.allOf(subscribes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        await("NUMSUB 0 after the linger", () -> "0".equals(redis.reply("PUBSUB", "NUMSUB", pubsubChannel).get(1)));

        b.subscribe("flap").join();
        assertThat(redis.reply("PUBSUB", "NUMSUB", pubsubChannel)).containsExactly(pubsubChannel, "1");
        Publication p = a.publish("flap", "m", Payload.text("in"), OPTIONS).join();
        await("delivered while subscribed", () -> onB.offsets("flap").contains(p.offset()));
        b.unsubscribe("flap").join();
        a.publish("flap", "m", Payload.text("out"), OPTIONS).join();
        await("NUMSUB 0 again", () -> "0".equals(redis.reply("PUBSUB", "NUMSUB", pubsubChannel).get(1)));
        assertThat(onB.offsets("flap")).doesNotContain(p.offset() + 1);
        await("the channel dropped", () -> b.pubsub().channel("flap") == null);
    }

    /**
     * A channel whose subscribers come back within the linger is still subscribed on Redis: the
     * subscribe completes without a SUBSCRIBE, nothing published meanwhile reaches the node while
     * it has no subscribers, and delivery goes on from the next offset.
     */
    @Test
    void aChannelComingBackWithinItsLingerIsStillSubscribed() {
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config().withLinger(Duration.ofSeconds(30)), onB);
        b.subscribe("back").join();
        a.publish("back", "m", Payload.text("1"), OPTIONS).join();
        await("the first", () -> onB.offsets("back").size() == 1);
        b.unsubscribe("back").join();
        long subscribes = redis.calls("subscribe");
        a.publish("back", "m", Payload.text("2"), OPTIONS).join();
        assertThat(b.subscribe("back")).isCompleted();
        Publication third = a.publish("back", "m", Payload.text("3"), OPTIONS).join();
        await("the third", () -> onB.offsets("back").contains(third.offset()));
        assertThat(redis.calls("subscribe")).isEqualTo(subscribes);
        assertThat(b.stats().catchUps()).isZero(); // the node kept following the channel while it lingered
        assertThat(redis.reply("PUBSUB", "NUMSUB", prefix + ":c:{back}")).containsExactly(prefix + ":c:{back}", "1");
        // 2 went out while nobody here wanted it; it may reach the node, if at all, only after it came back
        assertThat(onB.offsets("back")).startsWith(1L).endsWith(3L).isSorted();
    }

    /**
     * With no linger, a subscribe that arrives while the channel's UNSUBSCRIBE is in flight is sent
     * after Redis confirmed the UNSUBSCRIBE, and completes once the channel is subscribed again.
     */
    @Test
    void aSubscribeDuringAnUnsubscribeInFlightIsSentAfterIt() throws Exception {
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config().withLinger(Duration.ZERO), onB);
        String pubsubChannel = prefix + ":c:{u}";
        for (int i = 0; i < 50; i++) {
            b.subscribe("u").join();
            b.unsubscribe("u").join();
            if (i % 2 == 1) { // else the subscribe may find the UNSUBSCRIBE still queued, not sent
                await("the UNSUBSCRIBE sent", () -> b.pubsub().channel("u") == null
                        || b.pubsub().channel("u").state == Channel.State.UNSUBSCRIBING);
            }
            b.subscribe("u").get(10, TimeUnit.SECONDS);
            assertThat(redis.reply("PUBSUB", "NUMSUB", pubsubChannel)).containsExactly(pubsubChannel, "1");
            Publication p = a.publish("u", "m", Payload.text("x"), OPTIONS).join();
            await("delivered after the resubscribe", () -> onB.offsets("u").contains(p.offset()));
            b.unsubscribe("u").join();
        }
        await("NUMSUB 0", () -> "0".equals(redis.reply("PUBSUB", "NUMSUB", pubsubChannel).get(1)));
    }

    /**
     * A subscribe while the pub/sub connection is down waits for it instead of failing at once,
     * and completes once Redis is back and confirmed the channel.
     */
    @Test
    void aSubscribeWhileRedisIsDownWaitsForItsReturn() throws Exception {
        Recorder onB = new Recorder();
        RedisBroker b = broker(config(), onB);
        b.subscribe("first").join();
        redis.stop();
        await("the pub/sub connection seen lost", () -> b.pubsub().channel("first").state != Channel.State.SUBSCRIBED);
        CompletableFuture<Void> waiting = b.subscribe("w");
        redis.restart();
        waiting.get(10, TimeUnit.SECONDS);
        assertThat(redis.reply("PUBSUB", "NUMSUB", prefix + ":c:{w}")).containsExactly(prefix + ":c:{w}", "1");
        RedisBroker a = broker(config(), new Recorder());
        Publication p = a.publish("w", "m", Payload.text("after"), OPTIONS).join();
        await("delivered", () -> onB.offsets("w").contains(p.offset()));
        assertThat(b.stats().reconnects()).isEqualTo(1);
    }

    /**
     * Scenario 14: 5,000 subscribed channels are resubscribed in SUBSCRIBE commands of at most 512
     * channels after the pub/sub connection is killed, and each is caught up: what was published
     * to them meanwhile arrives, in order.
     */
    @Test
    void thousandsOfChannelsAreResubscribedInBatchesAndCaughtUpAfterAReconnect() throws Exception {
        int channels = 5000;
        Recorder onB = new Recorder();
        RedisBroker a = broker(config(), new Recorder());
        RedisBroker b = broker(config(), onB);
        List<CompletableFuture<Void>> subscribes = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            subscribes.add(b.subscribe("m" + i));
        }
        CompletableFuture.allOf(subscribes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long batchedSubscribes = redis.calls("subscribe");
        assertThat(batchedSubscribes).as("SUBSCRIBE commands for %d channels", channels).isLessThan(channels / 10);
        publishToAll(a, channels);
        await("the first round", () -> onB.publications.size() >= channels);

        assertThat(redis.reply("CONFIG", "RESETSTAT")).containsExactly("+OK");
        assertThat(redis.command("CLIENT KILL TYPE pubsub")).startsWith(":");
        publishToAll(a, channels); // some before the resubscribe, some after
        long start = System.nanoTime();
        await("the second round", () -> onB.publications.size() >= 2L * channels);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMs).as("resubscribe and catch-up of %d channels", channels).isLessThan(15_000);
        long resubscribes = redis.calls("subscribe");
        assertThat(resubscribes).as("SUBSCRIBE commands after the reconnect")
                .isLessThanOrEqualTo((channels + PubSub.BATCH - 1) / PubSub.BATCH + 2);
        Map<String, List<Long>> byChannel = new ConcurrentHashMap<>();
        for (Publication p : onB.publications) {
            byChannel.computeIfAbsent(p.channel(), c -> new CopyOnWriteArrayList<>()).add(p.offset());
        }
        assertThat(byChannel).hasSize(channels);
        assertThat(byChannel.values()).allSatisfy(offsets -> assertThat(offsets).containsExactly(1L, 2L));
        assertThat(b.stats().resets()).isZero();
    }

    /** One publication to each of the channels, 200 in flight at a time. */
    private static void publishToAll(RedisBroker via, int channels) {
        for (int from = 0; from < channels; from += 200) {
            List<CompletableFuture<Publication>> batch = new ArrayList<>();
            for (int i = from; i < Math.min(channels, from + 200); i++) {
                batch.add(via.publish("m" + i, "m", Payload.text("x"), OPTIONS));
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
        }
    }

    /**
     * Scenario 16: many sessions on one channel, then a Redis restart without data: they are told
     * (the catch-up finds a new epoch), and when they all resume from the same position at once the
     * node reads history for that position one script at a time, each shared by the resumes that
     * arrived while the one before ran: a few scripts, not one per session. Every one of them gets a reset and then the new stream.
     */
    @Test
    void aHerdResumingOneChannelAfterARedisRestartReadsItsHistoryOnceAtATime() throws Exception {
        int herd = 500;
        Node a = node(config());
        Node b = node(config());
        List<RecordingTransport> sessions = new ArrayList<>();
        for (int i = 0; i < herd; i++) {
            RecordingTransport t = session(b);
            b.subscribe(t.session, "herd", null).join();
            sessions.add(t);
        }
        Publication last = null;
        for (int i = 0; i < 10; i++) {
            last = a.publish("herd", null, Payload.text("m")).join();
        }
        await("10 delivered to all", () -> sessions.stream().allMatch(t -> t.offsets().size() == 10));

        redis.stop();
        redis.restart();
        await("every session told", () -> sessions.stream().allMatch(t -> t.session.isClosed()));
        assertThat(sessions).allSatisfy(t -> assertThat(t.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE));
        assertThat(redis.reply("CONFIG", "RESETSTAT")).containsExactly("+OK");

        List<RecordingTransport> resumed = new ArrayList<>();
        List<CompletableFuture<Subscribed>> resumes = new ArrayList<>();
        for (int i = 0; i < herd; i++) {
            RecordingTransport t = session(b);
            resumed.add(t);
            resumes.add(b.subscribe(t.session, "herd", last.position()));
        }
        CompletableFuture.allOf(resumes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long scripts = redis.calls("evalsha") + redis.calls("eval");
        // One read at a time (SingleFlightTest proves that), the resumes arriving during it share the next one.
        assertThat(scripts).as("history scripts for %d resumes from one position", herd).isLessThan(herd / 10);
        assertThat(resumes).allSatisfy(f -> assertThat(f.join().reset()).isTrue());
        Publication next = a.publish("herd", null, Payload.text("new")).join();
        await("the new stream on every resumed session", () -> resumed.stream().allMatch(t -> t.offsets().contains(next.offset())));
        assertThat(resumed).allSatisfy(t -> assertThat(t.session.isClosed()).isFalse());
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
