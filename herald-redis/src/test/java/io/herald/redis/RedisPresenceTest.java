package io.herald.redis;

import static io.herald.core.presence.PresenceStoreContractTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.LocalSubscriber;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.SubscriptionListener;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceStats;
import io.herald.core.presence.PresenceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Presence in Redis beyond the contract (docs/protocol.md, "Presence"): entries of a node that died
 * expire after the TTL while the live node's are refreshed past it; a flushed Redis gets the live
 * entries back; two nodes see each other's subscribers and hear each other's joins and leaves.
 */
@Timeout(60)
class RedisPresenceTest {
    private static final Duration TTL = Duration.ofMillis(1500);
    private static final AtomicInteger TESTS = new AtomicInteger();

    private RedisServerProcess redis;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private String prefix;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        prefix = "p" + TESTS.incrementAndGet();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        executor.shutdownNow();
        redis.stop();
    }

    private RedisBroker broker() {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix(prefix)
                .withTimeout(Duration.ofSeconds(1)).withPresenceTtl(TTL));
        open.add(broker);
        return broker;
    }

    private PresenceStore store(List<PresenceEvent> heard) {
        RedisBroker broker = broker();
        broker.start(publication -> { }); // events travel through the broker's pub/sub and processors
        PresenceStore store = broker.presence();
        store.start(heard::add);
        return store;
    }

    @Test
    void aDeadNodesEntriesExpireAfterTheTtlWhileTheLiveNodesAreRefreshed() {
        PresenceStore a = store(new ArrayList<>());
        PresenceStore b = store(new ArrayList<>());
        a.add("room", new ClientInfo("a-1", "alice")).join();
        b.add("room", new ClientInfo("b-1", "bob")).join();
        b.add("room", new ClientInfo("b-2", "bob")).join();
        assertThat(a.stats("room").join()).isEqualTo(new PresenceStats(3, 2));

        long killed = System.nanoTime();
        b.close(); // node b dies: it removes nothing and stops refreshing
        assertThat(a.clients("room").join()).as("b's entries outlive it until the TTL").hasSize(3);
        await("b's entries gone", () -> a.clients("room").join().size() == 1);
        long gone = (System.nanoTime() - killed) / 1_000_000;
        assertThat(gone).as("ms until b's entries left").isBetween(TTL.toMillis() - 600, TTL.toMillis() + 3000);
        // a's own entry was refreshed past several TTLs
        long until = System.nanoTime() + 2 * TTL.toNanos();
        while (System.nanoTime() < until) {
            assertThat(a.clients("room").join()).containsExactly(new ClientInfo("a-1", "alice"));
            Thread.onSpinWait();
        }
        assertThat(a.stats("room").join()).isEqualTo(new PresenceStats(1, 1));
    }

    @Test
    void aFlushedRedisGetsTheLiveEntriesBackAtTheNextRefresh() {
        PresenceStore a = store(new ArrayList<>());
        a.add("room", new ClientInfo("a-1", null)).join();
        a.add("hall", new ClientInfo("a-2", "carol")).join();
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        assertThat(a.clients("room").join()).isEmpty();
        await("the entries re-added", () -> a.clients("room").join().size() == 1 && a.clients("hall").join().size() == 1);
        assertThat(a.clients("hall").join()).containsExactly(new ClientInfo("a-2", "carol"));
    }

    @Test
    void withRedisDownReadsFailAsBrokerUnavailableWithinTheTimeoutAndTheEntriesComeBack() throws Exception {
        PresenceStore a = store(new ArrayList<>());
        a.add("room", new ClientInfo("a-1", "alice")).join();
        redis.stop();
        long start = System.nanoTime();
        assertThat(a.clients("room")).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .satisfies(e -> assertThat(((HeraldException) e.getCause()).code()).isEqualTo(ErrorCode.BROKER_UNAVAILABLE));
        assertThat(a.stats("room")).failsWithin(Duration.ofSeconds(5));
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms to fail both").isLessThan(3000);
        redis.restart(); // without its data: the refresher puts the live entry back
        await("the entry back after the restart", () -> {
            try {
                return a.clients("room").join().equals(List.of(new ClientInfo("a-1", "alice")));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void everyKeyHasATtl() {
        PresenceStore a = store(new ArrayList<>());
        a.add("room", new ClientInfo("a-1", null)).join();
        for (String key : List.of(prefix + ":pd:{room}", prefix + ":pz:{room}")) {
            String pttl = redis.command("PTTL " + key);
            assertThat(pttl).as(key).startsWith(":");
            assertThat(Long.parseLong(pttl.substring(1))).as(key).isBetween(1L, TTL.toMillis());
        }
    }

    @Test
    void twoNodesSeeEachOthersSubscribersAndHearTheirJoinsAndLeaves() {
        NodeConfig config = NodeConfig.builder()
                .namespace("lobby", NamespaceOptions.builder().presence(true).joinLeave(true).build()).build();
        Node a = new Node(config, broker());
        open.add(a);
        Node b = new Node(config, broker());
        open.add(b);
        List<PresenceEvent> heardOnA = new CopyOnWriteArrayList<>();
        LocalSubscriber onA = LocalSubscriber.open(a, "lobby:1", null, new SubscriptionListener() {
            @Override
            public void onPresenceEvent(PresenceEvent event) {
                heardOnA.add(event);
            }
        }, executor);
        onA.subscribed().join();
        LocalSubscriber onB = LocalSubscriber.open(b, "lobby:1", null, new SubscriptionListener() { }, executor);
        onB.subscribed().join();
        String bId = onB.clientId(b);

        await("both subscribers listed on both nodes", () -> a.presence(null, "lobby:1").join().size() == 2
                && b.presence(null, "lobby:1").join().size() == 2);
        assertThat(a.presence(null, "lobby:1").join()).extracting(ClientInfo::client)
                .containsExactlyInAnyOrder(onA.clientId(a), bId);
        assertThat(onA.clientId(a)).isNotEqualTo(bId);
        assertThat(b.presenceStats(null, "lobby:1").join()).isEqualTo(new PresenceStats(2, 0));

        onB.close();
        await("b's subscriber's join and leave heard on a",
                () -> heardOnA.stream().filter(e -> e.client().client().equals(bId)).count() == 2);
        assertThat(heardOnA.stream().filter(e -> e.client().client().equals(bId)).toList()).containsExactly(
                new PresenceEvent("lobby:1", true, new ClientInfo(bId, null)),
                new PresenceEvent("lobby:1", false, new ClientInfo(bId, null)));
        await("b's subscriber removed", () -> a.presence(null, "lobby:1").join().size() == 1);
        assertThat(redis.command("EXISTS " + prefix + ":s:{lobby:1}")).as("no publication: nothing in the stream").isEqualTo(":0");
        onA.close();
    }
}
