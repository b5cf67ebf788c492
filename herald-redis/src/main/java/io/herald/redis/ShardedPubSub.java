package io.herald.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions of a node on a Redis Cluster (7.0 or later), over sharded pub/sub: one
 * {@link PubSub} (SSUBSCRIBE, batched per slot) per master, on a connection Herald opens to that
 * master and keeps up itself, and each channel on the master that serves its slot ({@code P:c:{ch}}
 * is in the slot of the channel's meta and stream, where the publish script SPUBLISHes it).
 *
 * <p>Re-homing: when a master drops channels (a {@code sunsubscribe} it pushes when their slot
 * left it), refuses them (MOVED), or its connection is lost, the cluster topology is read again
 * (every {@value #RETRY_MS} ms while something is still not home, e.g. until a failed master's
 * replica is promoted) and every channel held by a manager that no longer serves its slot moves,
 * with its delivery state, to the manager of the master that does. That SSUBSCRIBE's confirmation
 * starts the channel's catch-up from history ({@link Fanout#confirmed}), so what was published
 * meanwhile is delivered in order, and history lost with a failed master (its replica's
 * {@code run_id} fences the stream) reaches subscribers as a new epoch, never as a silent skip. The
 * topology is also read every {@link #PERIOD_MS} ms. A manager whose master serves no channel of
 * the node any more is closed.
 *
 * <p>Thread-safe: routing and moves hold this object's monitor (then a manager's, never the other
 * way round), never across I/O.
 */
final class ShardedPubSub implements Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(ShardedPubSub.class);
    /** The topology is read again this often while channels wait for a home. */
    static final long RETRY_MS = 250;
    /** And this often anyway. */
    static final long PERIOD_MS = 10_000;

    private final RedisBrokerConfig config;
    private final RedisClusterClient cluster;
    private final RedisClient client;
    private final String nodeId;
    private final Fanout fanout;
    private final RedisBrokerStats stats;
    private final ScheduledExecutorService scheduler;
    private final Function<byte[], CompletableFuture<?>> publishProbe;
    /** The managers, by the id of their master; guarded by this. */
    private final Map<String, PubSub> shards = new HashMap<>();
    /** Completes when the topology was first read. */
    private final CompletableFuture<Void> topology = new CompletableFuture<>();
    /** The topology read in flight, else null. */
    private CompletableFuture<Void> refreshing;
    private boolean refreshAgain;
    private boolean closed;
    private ScheduledFuture<?> periodic;

    /**
     * @param cluster      the cluster client whose topology ({@link RedisClusterClient#getPartitions()}) routes channels
     * @param client       opens the pub/sub connections to masters (auto-reconnect off)
     * @param nodeId       this broker's random id, naming its probe channels
     * @param publishProbe SPUBLISHes a probe to the given shard channel on the command connection
     */
    ShardedPubSub(RedisBrokerConfig config, RedisClusterClient cluster, RedisClient client, String nodeId, Fanout fanout,
                  RedisBrokerStats stats, ScheduledExecutorService scheduler, Function<byte[], CompletableFuture<?>> publishProbe) {
        this.config = config;
        this.cluster = cluster;
        this.client = client;
        this.nodeId = nodeId;
        this.fanout = fanout;
        this.stats = stats;
        this.scheduler = scheduler;
        this.publishProbe = publishProbe;
    }

    @Override
    public void start() {
        boolean reading;
        synchronized (this) {
            reading = refreshing != null; // the command connection's first read, which serves both
        }
        if (!reading) {
            requestRehome();
        }
        synchronized (this) {
            periodic = scheduler.scheduleWithFixedDelay(() -> requestRehome(), PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Completes when every manager that holds channels has its connection open. */
    @Override
    public CompletableFuture<?> connection() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        synchronized (this) {
            if (!topology.isDone()) {
                all.add(topology);
            }
            for (PubSub p : shards.values()) {
                if (!p.channels().isEmpty()) {
                    all.add(p.connection());
                }
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public Collection<Channel> channels() {
        List<Channel> all = new ArrayList<>();
        for (PubSub p : managers()) {
            all.addAll(p.channels());
        }
        return all;
    }

    @Override
    public Channel channel(String name) {
        for (PubSub p : managers()) {
            Channel ch = p.channel(name);
            if (ch != null) {
                return ch;
            }
        }
        return null;
    }

    /** Subscribes on the master serving the channel's slot (once the topology is known). */
    @Override
    public CompletableFuture<Void> subscribe(String name) {
        if (!topology.isDone()) {
            return topology.thenCompose(v -> subscribe(name));
        }
        synchronized (this) {
            PubSub home = home(name, cluster.getPartitions());
            if (home == null) {
                requestRehome();
                return CompletableFuture.failedFuture(new IllegalStateException("no master serves the slot of " + name));
            }
            return home.subscribe(name);
        }
    }

    @Override
    public void unsubscribe(String name) {
        synchronized (this) {
            for (PubSub p : shards.values()) {
                if (p.channel(name) != null) {
                    p.unsubscribe(name);
                }
            }
        }
    }

    @Override
    public void close() {
        List<PubSub> all;
        synchronized (this) {
            closed = true;
            if (periodic != null) {
                periodic.cancel(false);
            }
            all = new ArrayList<>(shards.values());
            shards.clear();
        }
        all.forEach(PubSub::close);
    }

    /** A pub/sub connection was lost: its manager reconnects, and the topology is read again (a failover?). */
    @Override
    public void lost(Object connection) {
        for (PubSub p : managers()) {
            p.lost(connection);
        }
        requestRehome();
    }

    /** The managers, one per master (for tests). */
    synchronized List<PubSub> managers() {
        return new ArrayList<>(shards.values());
    }

    // ---- re-homing

    /**
     * Reads the topology again, then moves what is not home; at most one read in flight (a call
     * during one asks for another after it).
     *
     * @return completes when the read in flight is done, failing when it failed
     */
    CompletableFuture<Void> requestRehome() {
        CompletableFuture<Void> read;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the broker is closed"));
            }
            if (refreshing != null) {
                refreshAgain = true;
                return refreshing;
            }
            refreshing = read = new CompletableFuture<>();
            refreshAgain = false;
        }
        cluster.refreshPartitionsAsync().whenComplete((ok, error) -> {
            if (error != null) {
                log.debug("reading the cluster topology failed", error);
            } else {
                topology.complete(null);
            }
            try {
                scheduler.execute(() -> rehomed(read, error, error == null && rehome()));
            } catch (RejectedExecutionException closing) {
                read.completeExceptionally(closing);
            }
        });
        return read;
    }

    private void rehomed(CompletableFuture<Void> read, Throwable error, boolean settled) {
        boolean again;
        synchronized (this) {
            refreshing = null;
            again = refreshAgain || !settled;
        }
        if (error == null) {
            read.complete(null);
        } else {
            read.completeExceptionally(error);
        }
        if (again) {
            try {
                scheduler.schedule(this::requestRehome, RETRY_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                // the broker is closing
            }
        }
    }

    /**
     * Moves every channel to the manager of the master serving its slot now, asks managers to
     * subscribe again channels they serve that were left idle, and closes managers with nothing
     * left to serve. Returns whether everything is home with its connection up.
     */
    private synchronized boolean rehome() {
        if (closed) {
            return true;
        }
        Partitions partitions = cluster.getPartitions();
        boolean settled = true;
        for (PubSub p : new ArrayList<>(shards.values())) {
            for (Channel ch : new ArrayList<>(p.channels())) {
                PubSub home = home(ch.name, partitions);
                if (home == null) {
                    settled = false; // no master serves the slot (yet)
                } else if (home != p) {
                    p.detach(ch);
                    home.adopt(ch);
                    stats.moves.increment();
                }
            }
        }
        for (Iterator<Map.Entry<String, PubSub>> it = shards.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PubSub> e = it.next();
            PubSub p = e.getValue();
            RedisClusterNode node = partitions.getPartitionByNodeId(e.getKey());
            boolean master = node != null && node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()
                    && !node.is(RedisClusterNode.NodeFlag.FAIL);
            if (!master && p.channels().isEmpty()) {
                it.remove();
                p.retire();
                continue;
            }
            p.retryIdle();
            if (!p.channels().isEmpty() && !p.isUp()) {
                settled = false;
            }
        }
        return settled;
    }

    /** The manager of the master serving the channel's slot (made on first use), or null when none does. Holds the monitor. */
    private PubSub home(String channel, Partitions partitions) {
        RedisClusterNode master = partitions.getMasterBySlot(SlotHash.getSlot(pubsubName(channel)));
        if (master == null || master.is(RedisClusterNode.NodeFlag.FAIL)) {
            return null;
        }
        String id = master.getNodeId();
        PubSub p = shards.get(id);
        if (p == null) {
            RedisURI uri = RedisURI.create(config.address()); // the seed's credentials and options
            uri.setHost(master.getUri().getHost());
            uri.setPort(master.getUri().getPort());
            uri.setTimeout(config.timeout());
            p = new PubSub(config, () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                    () -> probeChannel(id), true, () -> requestRehome(), fanout, stats, scheduler, publishProbe);
            shards.put(id, p);
            p.start();
        }
        return p;
    }

    /** A probe channel in a slot the master {@code id} serves now ({@code P:probe:<node>:{<n>}}). */
    private byte[] probeChannel(String id) {
        String base = config.prefix() + ":probe:" + nodeId + ":{";
        Partitions partitions = cluster.getPartitions();
        for (int n = 0; n < 100_000; n++) {
            byte[] name = (base + n + "}").getBytes(StandardCharsets.UTF_8);
            RedisClusterNode master = partitions.getMasterBySlot(SlotHash.getSlot(name));
            if (master != null && id.equals(master.getNodeId())) {
                return name;
            }
        }
        return (base + "0}").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] pubsubName(String channel) {
        return (config.prefix() + ":c:{" + channel + "}").getBytes(StandardCharsets.UTF_8);
    }
}
