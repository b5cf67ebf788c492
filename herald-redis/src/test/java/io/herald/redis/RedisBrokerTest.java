package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.HistoryResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RedisBroker beyond the contract: two nodes on one Redis, Redis flushed, fenced, stopped, stalled and back. */
@Timeout(60)
class RedisBrokerTest {
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(100).build();
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final AtomicInteger TESTS = new AtomicInteger();

    private RedisServerProcess redis;
    private final List<RedisBroker> brokers = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        prefix = "t" + TESTS.incrementAndGet();
    }

    @AfterEach
    void stopAll() {
        brokers.forEach(RedisBroker::close);
        redis.stop();
    }

    /** A started broker ("node") on the test's Redis and prefix, delivering to {@code into}. */
    private RedisBroker node(List<Publication> into) {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix(prefix).withTimeout(TIMEOUT));
        brokers.add(broker);
        broker.start(into::add);
        return broker;
    }

    private static Publication publish(RedisBroker broker, String channel, String text) {
        return broker.publish(channel, "message", Payload.text(text), OPTIONS).join();
    }

    @Test
    void aPublicationOnOneNodeReachesTheOtherNodesSubscribersInOrder() throws Exception {
        List<Publication> onA = new CopyOnWriteArrayList<>();
        List<Publication> onB = new CopyOnWriteArrayList<>();
        RedisBroker a = node(onA);
        RedisBroker b = node(onB);
        a.subscribe("room").join();
        b.subscribe("room").join();

        List<CompletableFuture<Void>> publishers = new ArrayList<>();
        for (RedisBroker via : List.of(a, a, b, b)) {
            publishers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 250; i++) {
                    publish(via, "room", "x");
                }
            }));
        }
        CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        List<Long> all = LongStream.rangeClosed(1, 1000).boxed().toList();
        await("1000 deliveries on both nodes", () -> onA.size() >= 1000 && onB.size() >= 1000);
        assertThat(onA).extracting(Publication::offset).containsExactlyElementsOf(all);
        assertThat(onB).extracting(Publication::offset).containsExactlyElementsOf(all);
        assertThat(onB).extracting(Publication::epoch).containsOnly(onA.get(0).epoch());
    }

    @Test
    void aNodeThatUnsubscribedNoLongerReceives() {
        List<Publication> onB = new CopyOnWriteArrayList<>();
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        RedisBroker b = node(onB);
        b.subscribe("c").join();
        publish(a, "c", "1");
        await("the first delivery", () -> onB.size() == 1);
        b.unsubscribe("c").join();
        publish(a, "c", "2");
        b.subscribe("marker").join();
        publish(a, "marker", "after");
        await("the marker", () -> onB.size() == 2);
        assertThat(onB).extracting(Publication::channel).containsExactly("c", "marker");
    }

    @Test
    void binaryJsonAndEventsSurviveTheRoundTrip() {
        List<Publication> onB = new CopyOnWriteArrayList<>();
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        RedisBroker b = node(onB);
        b.subscribe("bin").join();
        byte[] bytes = {0, 10, 13, (byte) 0xff, '\n', 'H', '1', ' '};
        Payload binary = Payload.binary(bytes);
        Payload json = Payload.json("{\"a\":\"line\\nbreak\"}");
        a.publish("bin", "blob", binary, OPTIONS).join();
        a.publish("bin", "update", json, OPTIONS).join();
        await("two deliveries", () -> onB.size() == 2);
        HistoryResult h = b.history("bin", null, 10, OPTIONS).join();
        for (List<Publication> seen : List.of(onB, h.publications())) {
            assertThat(seen.get(0).data()).isEqualTo(binary);
            assertThat(seen.get(0).event()).isEqualTo("blob");
            assertThat(seen.get(1).data()).isEqualTo(json);
            assertThat(seen.get(1).event()).isEqualTo("update");
        }
    }

    @Test
    void entriesOlderThanTheHistoryAgeAreTrimmedEvenWhenTheyFillSeveralPagesOfTheTrim() throws Exception {
        // trim_age reads the oldest entry first, then pages of 16: 40 expired entries take three pages
        NamespaceOptions ageBound = NamespaceOptions.builder().historySize(100).historyAge(Duration.ofMillis(1500)).build();
        RedisBroker broker = node(new ArrayList<>());
        for (int i = 1; i <= 40; i++) {
            broker.publish("aged", "message", Payload.text("old " + i), ageBound).join();
        }
        long lastOld = System.nanoTime();
        Thread.sleep(1000); // time passing is what is tested: the old entries age, "mid" keeps the stream alive
        broker.publish("aged", "message", Payload.text("mid"), ageBound).join();
        Thread.sleep(Math.max(600, 1700 - (System.nanoTime() - lastOld) / 1_000_000));
        Publication last = broker.publish("aged", "message", Payload.text("new"), ageBound).join();

        HistoryResult h = broker.history("aged", null, 100, ageBound).join();
        assertThat(last.offset()).isEqualTo(42);
        assertThat(h.publications()).extracting(p -> p.data().text()).containsExactly("mid", "new");
        assertThat(h.oldest()).isEqualTo(41);
        assertThat(h.top().offset()).isEqualTo(42);
    }

    @Test
    void aFlushedOrFencedStreamStartsANewEpochAndNeverReusesOffsets() {
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        Publication before = publish(a, "f", "1");
        publish(a, "f", "2");
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        Publication flushed = publish(a, "f", "3");
        assertThat(flushed.offset()).isEqualTo(1);
        assertThat(flushed.epoch()).isNotEqualTo(before.epoch());

        // The meta as another Redis process (a restart with data, a failover) would have left it.
        assertThat(redis.command("HSET " + prefix + ":m:{f} r another-run-id")).isEqualTo(":0");
        Publication fenced = publish(a, "f", "4");
        assertThat(fenced.offset()).isEqualTo(1);
        assertThat(fenced.epoch()).isNotEqualTo(flushed.epoch());
        HistoryResult h = a.history("f", flushed.position(), 10, OPTIONS).join();
        assertThat(h.recoverable(flushed.position())).isFalse();
        assertThat(h.publications()).isEmpty();
    }

    @Test
    void redisRestartedWithoutDataGivesANewEpochAndDeliveryResumes() throws Exception {
        List<Publication> onB = new CopyOnWriteArrayList<>();
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        RedisBroker b = node(onB);
        b.subscribe("r").join();
        publish(a, "r", "1");
        Publication last = publish(a, "r", "2");

        redis.stop();
        redis.restart();
        Publication first = awaitPublish(a, "r", "3");
        assertThat(first.offset()).isEqualTo(1);
        assertThat(first.epoch()).isNotEqualTo(last.epoch());
        HistoryResult h = a.history("r", last.position(), 10, OPTIONS).join();
        assertThat(h.recoverable(last.position())).isFalse();
        assertThat(h.top()).isEqualTo(first.position());

        // B's pub/sub connection comes back by itself and subscribes again.
        await("a delivery in the new epoch on B", () -> {
            publish(a, "r", "more");
            return onB.stream().anyMatch(p -> p.epoch().equals(first.epoch()));
        });
        assertThat(b.health().get(5, TimeUnit.SECONDS)).isEqualTo(BrokerHealth.UP);
    }

    @Test
    void redisStoppedFailsEveryOperationAtOnceAndHealthSaysWhyThenRecovers() throws Exception {
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        publish(a, "d", "1");
        redis.stop();

        BrokerHealth health = assertDown(a, "d");
        assertUnavailableWithin(TIMEOUT, a.subscribe("d2"));
        // the connection Redis closed, or the reconnect it refused
        assertThat(health.detail()).containsAnyOf("connection lost", "Connection refused");

        redis.restart();
        Publication back = awaitPublish(a, "d", "3");
        assertThat(back.offset()).isEqualTo(1);
        assertThat(a.history("d", null, 10, OPTIONS).join().publications())
                .extracting(Publication::id, p -> p.data().text()).containsExactly(org.assertj.core.groups.Tuple.tuple(back.id(), "3"));
        awaitSuccess(() -> a.subscribe("d2"));
        assertThat(a.health().get(5, TimeUnit.SECONDS)).isEqualTo(BrokerHealth.UP);
    }

    @Test
    void redisThatStopsAnsweringFailsOperationsWithinTheTimeout() throws Exception {
        RedisBroker a = node(new CopyOnWriteArrayList<>());
        publish(a, "s", "1");
        redis.freeze();
        try {
            assertThat(assertDown(a, "s").detail()).contains("no answer");
        } finally {
            redis.thaw();
        }
        // The stalled publish may have been stored (outcome unknown after a timeout); what follows is contiguous.
        Publication next = awaitPublish(a, "s", "3");
        HistoryResult h = a.history("s", null, 10, OPTIONS).join();
        assertThat(h.top()).isEqualTo(next.position());
        assertThat(h.publications()).extracting(Publication::offset)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, next.offset()).boxed().toList());
    }

    /**
     * Publish and history on {@code channel} fail with broker_unavailable, and health says down,
     * each within the timeout (plus scheduling slack); returns the health.
     */
    private BrokerHealth assertDown(RedisBroker broker, String channel) throws Exception {
        assertUnavailableWithin(TIMEOUT, broker.publish(channel, "message", Payload.text("lost"), OPTIONS));
        assertUnavailableWithin(TIMEOUT, broker.history(channel, null, 10, OPTIONS));
        long start = System.nanoTime();
        BrokerHealth health = broker.health().get(5, TimeUnit.SECONDS);
        assertThat(elapsedMs(start)).isLessThan(TIMEOUT.toMillis() + 300);
        assertThat(health.up()).isFalse();
        assertThat(health.detail()).startsWith("redis 127.0.0.1:" + redis.port() + ": ");
        return health;
    }

    private static void assertUnavailableWithin(Duration timeout, CompletableFuture<?> operation) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> operation.get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS))
                .hasCauseInstanceOf(HeraldException.class)
                .satisfies(e -> assertThat(((HeraldException) e.getCause()).code()).isEqualTo(ErrorCode.BROKER_UNAVAILABLE));
        assertThat(elapsedMs(start)).isLessThan(timeout.toMillis() + 300);
    }

    private static Publication awaitPublish(RedisBroker broker, String channel, String text) {
        return awaitSuccess(() -> broker.publish(channel, "message", Payload.text(text), OPTIONS));
    }

    /** Retries {@code operation} while it fails with broker_unavailable, for at most 10 s (Redis coming back). */
    private static <T> T awaitSuccess(java.util.function.Supplier<CompletableFuture<T>> operation) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            try {
                return operation.get().join();
            } catch (RuntimeException e) {
                assertThat(HeraldException.of(e).code()).isEqualTo(ErrorCode.BROKER_UNAVAILABLE);
                assertThat(System.nanoTime()).as("succeeding again within 10 s").isLessThan(deadline);
                pause();
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
