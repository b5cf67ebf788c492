package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.BrokerListener;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RedisBroker on a real Redis Cluster (3 masters, 3 replicas, sharded pub/sub): channels spread
 * over the slots of every master, two nodes delivering in order, and a master killed mid-publish
 * (its replica promoted): delivery continues, and only the channels whose history was on the
 * failed master reset; nothing is skipped silently.
 */
@Timeout(120)
class RedisClusterBrokerTest {
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(1000).build();
    private static final Duration TIMEOUT = Duration.ofMillis(2000);
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisClusterProcess shared;

    private final List<RedisBroker> brokers = new ArrayList<>();
    private final String prefix = "ct" + TESTS.incrementAndGet();

    @BeforeAll
    static void startCluster() throws Exception {
        shared = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        shared.stop();
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(RedisBroker::close);
    }

    /** What a node's listener saw on one channel: publications, and {@code null} for a lost stream. */
    static final class Recorder implements BrokerListener {
        final Map<String, List<Publication>> seen = new ConcurrentHashMap<>();

        @Override
        public void onPublication(Publication publication) {
            seen.computeIfAbsent(publication.channel(), c -> new CopyOnWriteArrayList<>()).add(publication);
        }

        @Override
        public void onStreamLost(String channel) {
            seen.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(null);
        }

        List<Publication> on(String channel) {
            return seen.getOrDefault(channel, List.of());
        }
    }

    private RedisBroker node(RedisClusterProcess cluster, BrokerListener listener) {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.cluster(cluster.addresses()).withPrefix(prefix)
                .withTimeout(TIMEOUT).withProbeInterval(Duration.ofSeconds(2)));
        brokers.add(broker);
        broker.start(listener);
        // ready as a load balancer would see it: the first topology read and connections take about
        // a second on this machine, more while other builds run
        await("the node ready", () -> broker.health().join().up(), 30);
        return broker;
    }

    /** {@code perMaster} channel names on each master of the cluster, by master port. */
    private Map<Integer, List<String>> channelsOnEveryMaster(RedisClusterProcess cluster, int perMaster) {
        Map<Integer, List<String>> byMaster = new LinkedHashMap<>();
        for (int i = 0; byMaster.size() < 3 || byMaster.values().stream().anyMatch(l -> l.size() < perMaster); i++) {
            String channel = "ch" + i;
            int master = cluster.masterOf(SlotHash.getSlot("{" + channel + "}"));
            List<String> list = byMaster.computeIfAbsent(master, m -> new ArrayList<>());
            if (list.size() < perMaster) {
                list.add(channel);
            }
        }
        return byMaster;
    }

    @Test
    void channelsOnEveryMasterReachTheOtherNodeInOrderOverShardedPubSub() throws Exception {
        Map<Integer, List<String>> byMaster = channelsOnEveryMaster(shared, 3);
        assertThat(byMaster).hasSize(3);
        List<String> channels = byMaster.values().stream().flatMap(List::stream).toList();
        Recorder onB = new Recorder();
        RedisBroker a = node(shared, new Recorder());
        RedisBroker b = node(shared, onB);
        for (String channel : channels) {
            b.subscribe(channel).get(5, TimeUnit.SECONDS);
        }
        // one pub/sub connection per master, each holding the channels of its slots
        ShardedPubSub sharded = (ShardedPubSub) b.subscriptions();
        assertThat(sharded.managers()).hasSize(3);
        for (List<String> onOneMaster : byMaster.values()) {
            assertThat(sharded.managers()).anySatisfy(m -> assertThat(m.channels()).extracting(ch -> ch.name)
                    .containsExactlyInAnyOrderElementsOf(onOneMaster));
        }
        for (Map.Entry<Integer, List<String>> e : byMaster.entrySet()) {
            String numsub = RedisClusterProcess.redisCli(e.getKey(), "PUBSUB", "SHARDNUMSUB", prefix + ":c:{" + e.getValue().get(0) + "}");
            assertThat(numsub).as("SHARDNUMSUB on the channel's master").endsWith("\n1\n");
        }

        for (int i = 0; i < 50; i++) { // the channels at once, each channel's publications one after the other
            List<CompletableFuture<Publication>> round = new ArrayList<>();
            for (String channel : channels) {
                round.add(a.publish(channel, "message", Payload.text(channel + "-" + i), OPTIONS));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        }
        List<Long> all = LongStream.rangeClosed(1, 50).boxed().toList();
        await("50 deliveries per channel on B", () -> channels.stream().allMatch(c -> onB.on(c).size() >= 50));
        for (String channel : channels) {
            assertThat(onB.on(channel)).extracting(Publication::offset).containsExactlyElementsOf(all);
            assertThat(onB.on(channel)).extracting(p -> p.data().text())
                    .containsExactlyElementsOf(LongStream.range(0, 50).mapToObj(i -> channel + "-" + i).toList());
        }
        assertThat(b.health().get(5, TimeUnit.SECONDS)).isEqualTo(BrokerHealth.UP);
    }

    @Test
    void twoNodesPublishingOnOneChannelDeliverTheSameOrderOnBoth() throws Exception {
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        RedisBroker a = node(shared, onA);
        RedisBroker b = node(shared, onB);
        a.subscribe("room").get(5, TimeUnit.SECONDS);
        b.subscribe("room").get(5, TimeUnit.SECONDS);
        List<CompletableFuture<Void>> publishers = new ArrayList<>();
        for (RedisBroker via : List.of(a, a, b, b)) {
            publishers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 250; i++) {
                    via.publish("room", "message", Payload.text("x"), OPTIONS).join();
                }
            }));
        }
        CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Long> all = LongStream.rangeClosed(1, 1000).boxed().toList();
        await("1000 deliveries on both nodes", () -> onA.on("room").size() >= 1000 && onB.on("room").size() >= 1000);
        assertThat(onA.on("room")).extracting(Publication::offset).containsExactlyElementsOf(all);
        assertThat(onB.on("room")).extracting(Publication::offset).containsExactlyElementsOf(all);
        assertThat(onB.on("room")).extracting(Publication::epoch).containsOnly(onA.on("room").get(0).epoch());
    }

    /** What happens to the cluster mid-publish; returns the port of a master serving the moved channels now. */
    interface Event {
        int run() throws Exception;
    }

    @Test
    void aMasterKilledMidPublishResetsOnlyItsChannelsAndDeliveryContinues() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.start()) {
            Map<Integer, List<String>> byMaster = channelsOnEveryMaster(cluster, 2);
            int victim = byMaster.keySet().iterator().next();
            RedisBroker b = publishThrough(cluster, byMaster, new TreeSet<>(byMaster.get(victim)), () -> {
                int replica = cluster.killMasterAndAwaitPromotion(victim);
                assertThat(cluster.masterPorts()).contains(replica).doesNotContain(victim);
                return replica;
            });
            assertThat(b.stats().moves()).as("channels re-homed on the promoted replica").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aSlotMigratedMidPublishMovesItsChannelWhichResetsOnceAndDeliveryContinues() throws Exception {
        Map<Integer, List<String>> byMaster = channelsOnEveryMaster(shared, 2);
        List<Integer> masters = new ArrayList<>(byMaster.keySet());
        String moved = byMaster.get(masters.get(0)).get(0);
        int to = masters.get(1);
        RedisBroker b = publishThrough(shared, byMaster, Set.of(moved), () -> {
            shared.migrateSlot(SlotHash.getSlot("{" + moved + "}"), to);
            return to;
        });
        assertThat(b.stats().moves()).as("the channel re-homed on the slot's new master").isGreaterThanOrEqualTo(1);
        assertThat(((ShardedPubSub) b.subscriptions()).managers()).anySatisfy(m ->
                assertThat(m.channels()).extracting(ch -> ch.name).contains(moved).containsAll(byMaster.get(to)));
    }

    /**
     * The fence's known hole closed: a master failed over to its replica and back with
     * {@code CLUSTER FAILOVER} twice, nothing restarted, so it keeps its {@code run_id}. Its
     * channels, published throughout, reset (each promotion is a new term: the fence is the
     * master's {@code master_replid}), never skip silently; and a channel of that master left idle
     * during both failovers starts a new epoch at its next publish, although the master serving it
     * is the same process: writes acknowledged on the other master in between could have been lost
     * (none were here, but the fence cannot know that), so its subscribers are reset, not left with
     * a silent skip.
     */
    @Test
    void aMasterFailedOverToItsReplicaAndBackWithoutARestartResetsItsChannelsNeverSkips() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.start()) {
            Map<Integer, List<String>> byMaster = channelsOnEveryMaster(cluster, 3);
            int master = byMaster.keySet().iterator().next();
            List<String> busy = byMaster.get(master).subList(0, 2);
            String idle = byMaster.get(master).get(2);
            Map<Integer, List<String>> published = new LinkedHashMap<>();
            byMaster.forEach((m, list) -> published.put(m, m == master ? busy : list));
            RedisBroker[] publisher = new RedisBroker[1];
            StreamPosition[] idleBefore = new StreamPosition[1];
            String runIdBefore = RedisClusterProcess.redisCli(master, "INFO", "server").lines()
                    .filter(l -> l.startsWith("run_id:")).findFirst().orElseThrow();
            RedisBroker b = publishThrough(cluster, published, new TreeSet<>(busy), () -> {
                publisher[0] = brokers.get(0);
                idleBefore[0] = publisher[0].publish(idle, "message", Payload.text("before"), OPTIONS).get(5, TimeUnit.SECONDS).position();
                String epochBefore = publisher[0].history(busy.get(0), null, 0, OPTIONS).get(5, TimeUnit.SECONDS).top().epoch();
                int replica = cluster.failover(master);
                await("publications on the promoted replica " + replica + " (a new epoch)", () -> publisher[0]
                        .history(busy.get(0), null, 0, OPTIONS).handle((r, e) -> r != null && !r.top().epoch().equals(epochBefore)).join());
                assertThat(cluster.failover(replica)).isEqualTo(master);
                return master;
            });
            assertThat(RedisClusterProcess.redisCli(master, "INFO", "server")).as("the same process, never restarted")
                    .contains(runIdBefore);
            Publication after = publisher[0].publish(idle, "message", Payload.text("after"), OPTIONS).get(5, TimeUnit.SECONDS);
            assertThat(after.epoch()).as("the idle channel's epoch after its master's demotion and re-promotion")
                    .isNotEqualTo(idleBefore[0].epoch());
            assertThat(after.offset()).isEqualTo(1);
            assertThat(b.stats().moves()).as("channels re-homed on each promotion").isGreaterThanOrEqualTo(2);
        }
    }

    /**
     * Scenario 15 (docs/architecture.md, "Between nodes"): 500 slots resharded with
     * {@code redis-cli --cluster reshard} while about 1,000 publications/s go to channels on every
     * master, some of them in the moved slots, with subscribers on both nodes. Publishes racing the
     * migration may fail with 503 (ASK, TRYAGAIN) but never hang or report success for nothing; each
     * node re-homes the moved channels on their new master; each moved channel resets exactly once
     * on each node (the new master's run_id fences it into a new epoch), the others never, and
     * nothing is skipped silently.
     */
    @Test
    void fiveHundredSlotsReshardedMidPublishMoveTheirChannelsWhichResetOnceAndNothingIsSkipped() throws Exception {
        int from = shared.masterOf(0);
        int to = shared.masterPorts().stream().filter(p -> p != from).findFirst().orElseThrow();
        List<String> channels = new ArrayList<>();
        int inMovedRange = 0;
        for (int i = 0; channels.size() < 32; i++) {
            String channel = "r" + i;
            int slot = SlotHash.getSlot("{" + channel + "}");
            if (slot < 500 && shared.masterOf(slot) == from && inMovedRange < 8) {
                inMovedRange++;
                channels.add(channel);
            } else if (slot >= 500 && channels.size() - inMovedRange < 24) {
                channels.add(channel);
            }
        }
        Set<String> moved = ConcurrentHashMap.newKeySet();
        RedisBroker b = publishThrough(listener -> node(shared, listener), channels, moved, () -> {
            Set<Integer> slots = new java.util.HashSet<>(shared.reshard(from, to, 500));
            assertThat(slots).hasSize(500);
            channels.stream().filter(c -> slots.contains(SlotHash.getSlot("{" + c + "}"))).forEach(moved::add);
            return to;
        }, true, 1, this::shardNumSub, new AtomicInteger());
        assertThat(moved).as("channels in the moved slots").hasSize(8);
        assertThat(b.stats().moves()).as("channels re-homed on the slots' new master").isGreaterThanOrEqualTo(8);
    }

    /**
     * Node A publishes on every channel (one publisher each, retrying what fails with 503) while
     * node B is subscribed to them all; {@code event} happens once each channel has publications,
     * and publishing goes on until each has 20 more. Then B has delivered every channel up to its
     * top; nothing was skipped silently; the {@code affected} channels (whose master changed) reset
     * at least once, as fencing wants, and the others never, with every acknowledged publication
     * delivered once, in order.
     *
     * @return node B
     */
    private RedisBroker publishThrough(RedisClusterProcess cluster, Map<Integer, List<String>> byMaster, Set<String> affected,
                                       Event event) throws Exception {
        return publishThrough(listener -> node(cluster, listener), byMaster.values().stream().flatMap(List::stream).toList(),
                affected, event, false, Integer.MAX_VALUE, this::shardNumSub, new AtomicInteger());
    }

    /** PUBSUB SHARDNUMSUB of {@code channel}'s pub/sub channel on the master on {@code port}, in one line. */
    private String shardNumSub(String channel, int port) {
        return "SHARDNUMSUB on its master now: "
                + RedisClusterProcess.redisCli(port, "PUBSUB", "SHARDNUMSUB", prefix + ":c:{" + channel + "}").replace('\n', ' ');
    }

    /**
     * As above, over {@code channels}, each publisher pausing max(5, channels) ms between
     * publications (about 1,000 publications/s in all over many channels); with
     * {@code subscribersOnBoth}, node A is subscribed too and its deliveries are checked as B's.
     * {@code affected} may be filled by the event, and each of them resets at most
     * {@code maxResets} times on each node. Nodes come from {@code node}; when a node has not
     * delivered everything, {@code diagnose} (an affected channel, the port the event returned)
     * says more; {@code unavailable} counts the publishes that answered 503 {@code broker_unavailable}
     * (every other failure fails the test). Also used by {@code RedisSentinelBrokerTest}.
     */
    static RedisBroker publishThrough(Function<BrokerListener, RedisBroker> node, List<String> channels, Set<String> affected,
                                      Event event, boolean subscribersOnBoth, int maxResets,
                                      BiFunction<String, Integer, String> diagnose, AtomicInteger unavailable) throws Exception {
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        RedisBroker a = node.apply(onA);
        RedisBroker b = node.apply(onB);
        for (String channel : channels) {
            b.subscribe(channel).get(5, TimeUnit.SECONDS);
            if (subscribersOnBoth) {
                a.subscribe(channel).get(5, TimeUnit.SECONDS);
            }
        }
        Map<RedisBroker, Recorder> subscribers = new LinkedHashMap<>();
        subscribers.put(b, onB);
        if (subscribersOnBoth) {
            subscribers.put(a, onA);
        }
        long pauseMs = Math.max(5, channels.size());
        ExecutorService threads = Executors.newFixedThreadPool(channels.size());

        Map<String, List<Publication>> acked = new ConcurrentHashMap<>();
        AtomicBoolean happened = new AtomicBoolean();
        Map<String, AtomicInteger> afterEvent = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> publishers = new ArrayList<>();
        for (String channel : channels) {
            acked.put(channel, new CopyOnWriteArrayList<>());
            afterEvent.put(channel, new AtomicInteger());
            publishers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        acked.get(channel).add(a.publish(channel, "message", Payload.text(Integer.toString(i)), OPTIONS).join());
                        if (happened.get()) {
                            afterEvent.get(channel).incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        assertThat(HeraldException.of(e).code()).isEqualTo(ErrorCode.BROKER_UNAVAILABLE);
                        unavailable.incrementAndGet();
                    }
                    pause(pauseMs);
                }
            }, threads));
        }
        await("publications on every channel", () -> channels.stream().allMatch(c -> acked.get(c).size() >= 20));
        int servingNow = event.run();
        happened.set(true);
        await("publications on every channel after the event", () -> channels.stream().allMatch(c -> afterEvent.get(c).get() >= 20), 30);
        stop.set(true);
        CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        threads.shutdown();
        // one more on each channel once publishing is over and every node is subscribed again: a
        // node whose pub/sub connection came back after the last publications finds the stream
        // lost (and tells its subscribers, who resume from history) and has nothing of the new
        // stream to deliver until its next publication
        await("every channel subscribed on Redis again", () -> subscribers.keySet().stream().allMatch(n -> channels.stream()
                .allMatch(c -> n.subscriptions().channel(c) != null && n.subscriptions().channel(c).state == Channel.State.SUBSCRIBED)), 30);
        for (String channel : channels) {
            await("a last publication on " + channel, () -> a.publish(channel, "message", Payload.text("last"), OPTIONS)
                    .handle((p, e) -> p != null && acked.get(channel).add(p)).join());
        }

        Map<String, StreamPosition> tops = new HashMap<>();
        for (String channel : channels) {
            tops.put(channel, a.history(channel, null, 0, OPTIONS).get(5, TimeUnit.SECONDS).top());
        }
        for (Map.Entry<RedisBroker, Recorder> subscriber : subscribers.entrySet()) {
            RedisBroker subscribed = subscriber.getKey();
            Recorder on = subscriber.getValue();
            try {
                await("a node delivered every channel up to its top", () -> channels.stream().allMatch(c -> {
                    List<Publication> seen = on.on(c);
                    Publication last = seen.isEmpty() ? null : seen.get(seen.size() - 1);
                    return last != null && last.position().equals(tops.get(c));
                }), 30);
            } catch (AssertionError e) {
                StringBuilder state = new StringBuilder(e.getMessage());
                for (String c : channels) {
                    List<Publication> seen = on.on(c);
                    Publication last = seen.isEmpty() ? null : seen.get(seen.size() - 1);
                    state.append("\n").append(c).append(affected.contains(c) ? " (moved)" : "").append(": top ")
                            .append(tops.get(c)).append(", delivered ").append(seen.size()).append(", last ")
                            .append(last == null ? "none or lost" : last.position()).append(", ").append(subscribed.subscriptions().channel(c))
                            .append(": ").append(summary(seen));
                }
                for (String c : affected) {
                    state.append("\n").append(c).append(": ").append(diagnose.apply(c, servingNow));
                }
                throw new AssertionError(state.append("\n").append(subscribed.stats()).toString(), e);
            }

            for (String channel : channels) {
                List<Publication> seen = on.on(channel);
                int resets = assertNothingSkippedSilently(channel, seen);
                List<Publication> inFinalEpoch = acked.get(channel).stream()
                        .filter(p -> p.epoch().equals(tops.get(channel).epoch())).toList();
                if (affected.contains(channel)) {
                    // another master, another run_id: the stream is fenced, a reset, never a skip
                    assertThat(resets).as("resets on %s (its master changed): %s", channel, summary(seen)).isBetween(1, maxResets);
                    assertThat(tops.get(channel).epoch()).isNotEqualTo(acked.get(channel).get(0).epoch());
                } else {
                    assertThat(resets).as("resets on %s (its master stayed)", channel).isZero();
                    // 1..top in one epoch (checked above), so every acknowledged publication, once, in order
                    assertThat(seen.get(0).offset()).isEqualTo(1);
                    assertThat(positions(seen)).as("acknowledged publications on %s", channel)
                            .containsAll(positions(acked.get(channel)));
                    assertThat(inFinalEpoch).hasSameSizeAs(acked.get(channel));
                }
                // every acknowledged publication of the current epoch reached B, except those before
                // B's reset (which its subscribers are told to resume past)
                long resumedAt = lastResetOffset(seen, tops.get(channel).epoch());
                assertThat(positions(seen)).as("acknowledged publications of the final epoch on %s", channel)
                        .containsAll(positions(inFinalEpoch.stream().filter(p -> p.offset() > resumedAt).toList()));
            }
        }
        return b;
    }

    /**
     * Checks one node's deliveries on a channel: within an epoch, offsets go up by exactly one; a
     * change of epoch or a lost stream ({@code null}) is a reset its subscribers are told of.
     *
     * @return the number of resets
     */
    private static int assertNothingSkippedSilently(String channel, List<Publication> seen) {
        int resets = 0;
        Publication previous = null;
        boolean reset = false;
        for (Publication p : seen) {
            if (p == null) {
                resets++;
                reset = true;
                continue;
            }
            if (previous == null && !reset) {
                assertThat(p.offset()).as("the first delivery on %s", channel).isEqualTo(1);
            } else if (previous != null && p.epoch().equals(previous.epoch()) && !reset) {
                assertThat(p.offset()).as("the delivery after %s on %s", previous.position(), channel).isEqualTo(previous.offset() + 1);
            } else if (previous != null && !p.epoch().equals(previous.epoch()) && !reset) {
                resets++; // a new epoch delivered as is: the hub resets the channel's clients
            }
            reset = false;
            previous = p;
        }
        return resets;
    }

    /** A node's deliveries on a channel in short: runs of offsets per epoch, and "lost". */
    private static String summary(List<Publication> seen) {
        StringBuilder out = new StringBuilder();
        Publication first = null;
        Publication previous = null;
        for (Publication p : seen) {
            if (p != null && previous != null && p.epoch().equals(previous.epoch()) && p.offset() == previous.offset() + 1) {
                previous = p;
                continue;
            }
            if (first != null) {
                out.append(first.epoch()).append(':').append(first.offset()).append("..").append(previous.offset()).append(' ');
            }
            if (p == null) {
                out.append("lost ");
            }
            first = p;
            previous = p;
        }
        if (first != null) {
            out.append(first.epoch()).append(':').append(first.offset()).append("..").append(previous.offset());
        }
        return out.toString().trim();
    }

    private static List<StreamPosition> positions(List<Publication> publications) {
        return publications.stream().map(p -> p == null ? null : p.position()).toList();
    }

    /**
     * Where delivery of {@code epoch} started after a reset (a lost stream, or the epoch delivered as
     * is over another one: either way the node's subscribers are told to resume past it): the offset
     * before its first delivered publication; 0 when it was the first thing delivered.
     */
    private static long lastResetOffset(List<Publication> seen, String epoch) {
        for (int i = 0; i < seen.size(); i++) {
            Publication p = seen.get(i);
            if (p != null && p.epoch().equals(epoch)) {
                return i == 0 ? 0 : p.offset() - 1;
            }
        }
        return 0;
    }

    private static void await(String what, BooleanSupplier condition) {
        await(what, condition, 10);
    }

    /** Shared with the cluster presence test. */
    static void await(String what, BooleanSupplier condition, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            pause(20);
        }
    }

    /** Shared with the cluster presence test. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
