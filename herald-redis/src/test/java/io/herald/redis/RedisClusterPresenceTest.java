package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.LocalSubscriber;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.SubscriptionListener;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceStats;
import io.herald.core.presence.PresenceStore;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Presence on a real Redis Cluster (3 masters, 3 replicas) beyond the contract (docs/protocol.md,
 * "Presence"): two nodes see each other's subscribers and hear their joins and leaves on channels of
 * every master, each channel's keys on the master of its slot; a killed node's entries expire; a
 * refresh is one script per slot; after a master is killed and its replica promoted, presence is
 * right again within a refresh interval and events flow again.
 */
@Timeout(120)
class RedisClusterPresenceTest {
    private static final Duration TTL = Duration.ofMillis(1500);
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisClusterProcess shared;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final String prefix = "cp" + TESTS.incrementAndGet();

    @BeforeAll
    static void startCluster() throws Exception {
        shared = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        shared.stop();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        executor.shutdownNow();
    }

    private RedisBroker broker(RedisClusterProcess cluster, Duration ttl) {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.cluster(cluster.addresses()).withPrefix(prefix)
                .withTimeout(Duration.ofSeconds(2)).withPresenceTtl(ttl));
        open.add(broker);
        return broker;
    }

    /** A started broker's presence, ready (topology read, connections open), its events into {@code heard}. */
    private RedisBroker store(RedisClusterProcess cluster, Duration ttl, List<PresenceEvent> heard) {
        RedisBroker broker = broker(cluster, ttl);
        broker.start(publication -> { });
        broker.presence().start(heard::add);
        await("the node ready", () -> broker.health().join().up(), 30);
        return broker;
    }

    /** One channel name (with {@code base} and a number) per master, by master port. */
    private static Map<Integer, String> oneChannelPerMaster(RedisClusterProcess cluster, String base) {
        Map<Integer, String> byMaster = new LinkedHashMap<>();
        for (int i = 0; byMaster.size() < 3; i++) {
            String channel = base + i;
            byMaster.putIfAbsent(cluster.masterOf(SlotHash.getSlot("{" + channel + "}")), channel);
        }
        return byMaster;
    }

    @Test
    void twoNodesSeeEachOthersSubscribersAndHearTheirJoinsAndLeavesOnChannelsOfEveryMaster() {
        NodeConfig config = NodeConfig.builder()
                .namespace("lobby", NamespaceOptions.builder().presence(true).joinLeave(true).build()).build();
        Node a = new Node(config, broker(shared, TTL));
        open.add(a);
        Node b = new Node(config, broker(shared, TTL));
        open.add(b);
        Map<Integer, String> byMaster = oneChannelPerMaster(shared, "lobby:");
        assertThat(byMaster).hasSize(3);
        for (Map.Entry<Integer, String> e : byMaster.entrySet()) {
            String channel = e.getValue();
            List<PresenceEvent> heardOnA = new CopyOnWriteArrayList<>();
            LocalSubscriber onA = LocalSubscriber.open(a, channel, null, new SubscriptionListener() {
                @Override
                public void onPresenceEvent(PresenceEvent event) {
                    heardOnA.add(event);
                }
            }, executor);
            onA.subscribed().join();
            LocalSubscriber onB = LocalSubscriber.open(b, channel, null, new SubscriptionListener() { }, executor);
            onB.subscribed().join();
            String aId = onA.clientId(a);
            String bId = onB.clientId(b);

            await("both subscribers of " + channel + " listed on both nodes", () -> a.presence(null, channel).join().size() == 2
                    && b.presence(null, channel).join().size() == 2, 10);
            assertThat(b.presence(null, channel).join()).extracting(ClientInfo::client).containsExactlyInAnyOrder(aId, bId);
            assertThat(a.presenceStats(null, channel).join()).isEqualTo(new PresenceStats(2, 0));
            // the channel's keys are on the master serving its slot (the hash tag routes them there)
            assertThat(RedisClusterProcess.redisCli(e.getKey(), "EXISTS", prefix + ":pd:{" + channel + "}", prefix + ":pz:{" + channel + "}"))
                    .as("both keys of " + channel + " on its master " + e.getKey()).isEqualTo("2\n");

            onB.close();
            await("b's subscriber's join and leave on " + channel + " heard on a",
                    () -> heardOnA.stream().filter(ev -> ev.client().client().equals(bId)).count() == 2, 10);
            assertThat(heardOnA.stream().filter(ev -> ev.client().client().equals(bId)).toList()).containsExactly(
                    new PresenceEvent(channel, true, new ClientInfo(bId, null)),
                    new PresenceEvent(channel, false, new ClientInfo(bId, null)));
            await("b's subscriber removed from " + channel, () -> b.presence(null, channel).join().size() == 1, 10);
            assertThat(RedisClusterProcess.redisCli(e.getKey(), "EXISTS", prefix + ":s:{" + channel + "}"))
                    .as("no publication: nothing in the stream").isEqualTo("0\n");
            onA.close();
        }
        // the events went by sharded pub/sub on the channels' masters, none by PUBLISH
        for (int port : byMaster.keySet()) {
            assertThat(commandCalls(port, "publish")).as("PUBLISH calls on " + port).isZero();
            assertThat(commandCalls(port, "spublish")).as("SPUBLISH calls on " + port).isPositive();
        }
    }

    @Test
    void aKilledNodesEntriesExpireAfterTheTtlWhileTheLiveNodesAreRefreshed() {
        PresenceStore a = store(shared, TTL, new ArrayList<>()).presence();
        PresenceStore b = store(shared, TTL, new ArrayList<>()).presence();
        Map<Integer, String> byMaster = oneChannelPerMaster(shared, "room");
        for (String channel : byMaster.values()) {
            a.add(channel, new ClientInfo("a-1", "alice")).join();
            b.add(channel, new ClientInfo("b-1", "bob")).join();
        }
        long killed = System.nanoTime();
        b.close(); // node b dies: it removes nothing and stops refreshing
        for (String channel : byMaster.values()) {
            await("b's entries gone from " + channel, () -> a.clients(channel).join().size() == 1, 10);
        }
        long gone = (System.nanoTime() - killed) / 1_000_000;
        assertThat(gone).as("ms until b's entries left").isBetween(TTL.toMillis() - 600, TTL.toMillis() + 3000);
        long until = System.nanoTime() + 2 * TTL.toNanos(); // a's own entries refreshed past several TTLs
        while (System.nanoTime() < until) {
            for (String channel : byMaster.values()) {
                assertThat(a.clients(channel).join()).containsExactly(new ClientInfo("a-1", "alice"));
            }
            pause(20);
        }
    }

    @Test
    void aRefreshIsOneScriptPerSlotNotPerChannel() {
        RedisBroker node = store(shared, Duration.ofSeconds(60), new ArrayList<>()); // no periodic refresh meanwhile
        RedisPresence presence = (RedisPresence) node.presence();
        // ten channels in each of three slots, one slot per master
        Map<Integer, List<String>> all = new HashMap<>();
        Map<Integer, Integer> slotOfMaster = new HashMap<>();
        for (int i = 0; slotOfMaster.size() < 3; i++) {
            String channel = "r" + i;
            int slot = SlotHash.getSlot((prefix + ":pd:{" + channel + "}").getBytes(StandardCharsets.UTF_8));
            List<String> in = all.computeIfAbsent(slot, s -> new ArrayList<>());
            in.add(channel);
            if (in.size() == 10) {
                slotOfMaster.putIfAbsent(shared.masterOf(slot), slot);
            }
        }
        Map<Integer, List<String>> bySlot = new HashMap<>();
        slotOfMaster.values().forEach(slot -> bySlot.put(slot, all.get(slot)));
        for (List<String> channels : bySlot.values()) {
            for (String channel : channels) {
                presence.add(channel, new ClientInfo(channel + "-1", null)).join();
                presence.add(channel, new ClientInfo(channel + "-2", "u")).join();
            }
        }
        Map<Integer, Long> before = new HashMap<>();
        for (int master : slotOfMaster.keySet()) {
            before.put(master, commandCalls(master, "evalsha") + commandCalls(master, "eval"));
        }
        presence.refresh();
        for (Map.Entry<Integer, Integer> e : slotOfMaster.entrySet()) {
            int master = e.getKey();
            await("the refresh ran on " + master, () -> commandCalls(master, "evalsha") + commandCalls(master, "eval") > before.get(master), 10);
            assertThat(commandCalls(master, "evalsha") + commandCalls(master, "eval") - before.get(master))
                    .as("scripts the refresh of 10 channels (20 entries) in one slot ran on master " + master).isEqualTo(1);
            for (String channel : bySlot.get(e.getValue())) {
                assertThat(presence.clients(channel).join()).hasSize(2);
            }
        }
    }

    @Test
    void afterAMasterIsKilledPresenceIsRightAgainWithinARefreshIntervalAndEventsFlow() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.start()) {
            List<PresenceEvent> heardOnB = new CopyOnWriteArrayList<>();
            PresenceStore a = store(cluster, TTL, new ArrayList<>()).presence();
            PresenceStore b = store(cluster, TTL, heardOnB).presence();
            Map<Integer, String> byMaster = oneChannelPerMaster(cluster, "hall");
            for (String channel : byMaster.values()) {
                a.add(channel, new ClientInfo("a-" + channel, "alice")).join();
                b.watch(channel).get(5, TimeUnit.SECONDS);
            }
            int victim = byMaster.keySet().iterator().next();
            String channel = byMaster.get(victim);
            int promoted = cluster.killMasterAndAwaitPromotion(victim);
            assertThat(cluster.masterOf(SlotHash.getSlot("{" + channel + "}"))).isEqualTo(promoted);

            // the promoted replica loses the entry (as a master that died before replicating it would):
            // the next refresh puts it back
            assertThat(RedisClusterProcess.redisCli(promoted, "DEL", prefix + ":pd:{" + channel + "}", prefix + ":pz:{" + channel + "}"))
                    .isIn("1\n", "2\n", "0\n");
            long deleted = System.nanoTime();
            await("the entry of " + channel + " back on the promoted master", () -> clientsOrEmpty(a, channel)
                    .equals(List.of(new ClientInfo("a-" + channel, "alice"))), 30);
            long back = (System.nanoTime() - deleted) / 1_000_000;
            System.out.printf("presence after a failover: entry back %d ms after it was deleted on the promoted master%n", back);
            for (String other : byMaster.values()) {
                assertThat(a.clients(other).join()).containsExactly(new ClientInfo("a-" + other, "alice"));
            }

            // events reach b again on every channel, the failed master's re-homed on its replica
            await("an event on " + channel + " heard on b", () -> {
                a.announce(new PresenceEvent(channel, true, new ClientInfo("probe", null))).exceptionally(e -> null);
                pause(100);
                return heardOnB.stream().anyMatch(ev -> ev.channel().equals(channel));
            }, 30);
            for (String other : byMaster.values()) {
                a.announce(new PresenceEvent(other, false, new ClientInfo("a-" + other, "alice"))).get(5, TimeUnit.SECONDS);
            }
            await("the leave of every channel heard on b", () -> byMaster.values().stream().allMatch(ch -> heardOnB.contains(
                    new PresenceEvent(ch, false, new ClientInfo("a-" + ch, "alice")))), 10);
        }
    }

    private static List<ClientInfo> clientsOrEmpty(PresenceStore store, String channel) {
        try {
            return store.clients(channel).join();
        } catch (RuntimeException unavailable) {
            return List.of();
        }
    }

    /** The calls of {@code command} a node counted ({@code INFO commandstats}), 0 when none. */
    private static long commandCalls(int port, String command) {
        for (String line : RedisClusterProcess.redisCli(port, "INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String rest = line.substring(("cmdstat_" + command + ":calls=").length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    private static void await(String what, BooleanSupplier condition, int seconds) {
        RedisClusterBrokerTest.await(what, condition, seconds);
    }

    private static void pause(long ms) {
        RedisClusterBrokerTest.pause(ms);
    }
}
