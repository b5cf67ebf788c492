package io.herald.redis;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.BrokerListener;
import io.herald.core.broker.HistoryResult;
import io.herald.core.broker.MemoryBroker;
import io.herald.core.presence.PresenceStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.Timeout;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A {@link Broker} on Redis, shared by several Herald nodes: every node publishes to and reads the
 * same channel streams, and receives, over Redis pub/sub, the publications of the channels it has
 * subscribers for, whichever node published them.
 *
 * <p>Per channel {@code ch} (keys carry {@code {ch}} as a Redis Cluster hash tag, so both of a
 * channel's keys are in one slot):
 * <ul>
 *   <li>{@code P:m:{ch}}, a hash: {@code e} the epoch, {@code s} the top offset, {@code r} the
 *       fence of the Redis master that last wrote it ({@link Script}: {@code master_replid}, which
 *       changes at every restart and promotion); expires after the history age plus
 *       {@link MemoryBroker#STREAM_TTL_MS} unused.</li>
 *   <li>{@code P:s:{ch}}, a stream, the history: entry id {@code <offset>-0}, fields {@code t} (the
 *       publish time in ms, from Redis's clock) and {@code d} (the publication); bounded by the
 *       namespace's history size (exact MAXLEN) and age (entries older than it are trimmed on each
 *       publish and read).</li>
 *   <li>{@code P:c:{ch}}, the pub/sub channel the publish script PUBLISHes each publication to, and
 *       {@link RedisPresence} its join and leave events.</li>
 * </ul>
 * and per broker {@code P:probe:<random id>}, the pub/sub channel of its connection's probe.
 * Publish and history are one Lua script each ({@link Script}), so offsets, history and delivery
 * order agree: the order in which Redis ran the scripts. A stream's epoch is random and changes when
 * its meta is missing or was written by another Redis process or term as master (the fence): a Redis
 * restarted, flushed or failed over, with or without its data, never serves reused offsets under an
 * old epoch.
 *
 * <p>Connections: one command connection (pipelined) and one pub/sub connection, each kept up by a
 * {@link Link} with Lettuce's auto-reconnect off (no command replay) and reconnected by Herald.
 * Node-to-node fan-out (see {@link PubSub} and {@link Fanout}): the node is subscribed on Redis to
 * the channels it has subscribers for, plus a linger ({@link RedisBrokerConfig#linger()}), with
 * SUBSCRIBEs batched; a {@link #subscribe} completes on Redis's confirmation of the channel. The
 * pub/sub reader never blocks: it hands each message to one of
 * {@link RedisBrokerConfig#processors()} threads by hash(channel) through a bounded queue, so a
 * channel's listener calls stay serial and in offset order. Per channel the broker remembers the
 * last position it delivered and fills any loss from history in order (an offset jump, a full
 * queue, a pub/sub reconnect, a stale connection found by the probe, or the periodic top check of
 * idle channels); only what history cannot fill reaches the listener, as a gap, a new epoch or
 * {@link BrokerListener#onStreamLost}. History reads identical to one in flight wait for the next
 * single read ({@link SingleFlight}), so a herd of clients resuming one channel after a Redis
 * restart costs one read at a time. Counters: {@link #stats()}.
 *
 * <p>On a Redis Cluster ({@link RedisBrokerConfig#cluster}, Redis 7.0 or later; docs/architecture.md,
 * "Between nodes"): the three names of a channel share its hash tag, hence one slot and one master;
 * commands go through Lettuce's {@link RedisClusterClient} with auto-reconnect off (no command replay;
 * a lost node connection drops the whole cluster connection, which the {@link Link} opens again after a
 * fresh topology read), so the scripts read the master's fence ({@code master_replid}) with {@code INFO replication}
 * themselves; the publish script SPUBLISHes; and the subscriptions are a {@link ShardedPubSub}, one
 * SSUBSCRIBE connection per master, moving channels (with their delivery position, then a catch-up)
 * when their slot changes master.
 *
 * <p>Failure: every operation is bounded by {@link RedisBrokerConfig#timeout()} and fails its
 * future with {@link HeraldException} {@code broker_unavailable} when Redis does not answer in time
 * or cannot be reached (at once while the command connection is known to be down; a subscribe waits
 * for the pub/sub connection up to the timeout). A publish that timed out may still have been stored. Never blocks the caller, never throws for Redis's sake.
 *
 * <p>Lettuce 6.5: it runs on the Netty 4.2 Herald pins (its own event loops through Netty's 4.1
 * API, which 4.2 keeps; this module's tests run it against a real redis-server), and it has
 * everything this broker uses (async scripting, pub/sub, {@code TimeoutOptions},
 * {@code autoReconnect(false)}). Thread-safe.
 */
public final class RedisBroker implements Broker {
    private static final SecureRandom SEEDS = new SecureRandom();
    private static final ThreadLocal<SplittableRandom> EPOCHS = ThreadLocal.withInitial(() -> new SplittableRandom(SEEDS.nextLong()));
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final byte[] PROBE = {'p'};
    private static final byte[] E = {'e'};
    private static final byte[] S = {'s'};

    private final RedisBrokerConfig config;
    private final String where;
    /** Lettuce's threads and timer, owned by this broker (shut down by {@link #close}). */
    private final ClientResources resources;
    private final RedisClient client;
    /** The cluster client (commands and topology) of a Redis Cluster, else null. */
    private final RedisClusterClient cluster;
    private final ScheduledExecutorService scheduler;
    private final Link<Commands> commands;
    private final RedisBrokerStats stats = new RedisBrokerStats();
    private final Fanout fanout;
    private final Subscriptions pubsub;
    /** {@code PUBLISH}, or {@code SPUBLISH} on a Redis Cluster (sharded pub/sub). */
    private final byte[] publishCommand;
    private final SingleFlight<Read, HistoryResult> reads = new SingleFlight<>();
    private volatile RedisPresence presence;

    /**
     * The command connection, its commands, and the fence of the Redis master it is connected to
     * ({@code run_id:master_replid}, read on connecting; {@link Script}): empty on a Redis Cluster, whose node connections Lettuce's cluster client opens,
     * so the scripts read it themselves ({@link Script}).
     */
    private record Commands(StatefulConnection<byte[], byte[]> connection, RedisClusterAsyncCommands<byte[], byte[]> async,
                            byte[] fence) {
    }

    /**
     * A broker on the Redis {@code config} names (a standalone Redis, or a Redis Cluster when
     * {@link RedisBrokerConfig#isCluster()}); connects on {@link #start}.
     */
    public RedisBroker(RedisBrokerConfig config) {
        this.config = config;
        RedisURI uri = RedisURI.create(config.address());
        uri.setTimeout(config.timeout());
        this.where = uri.getSentinels().isEmpty() ? (config.isCluster() ? "redis cluster " : "redis ") + uri.getHost() + ":" + uri.getPort()
                : "redis " + uri.getSentinelMasterId() + " via sentinel " + uri.getSentinels().get(0).getHost() + ":"
                + uri.getSentinels().get(0).getPort();
        this.resources = resources();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(65_536)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(socketOptions(config))
                .build());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-redis-scheduler");
            t.setDaemon(true);
            return t;
        });
        if (config.isCluster()) {
            this.cluster = clusterClient(config, client);
            this.publishCommand = bytes("SPUBLISH");
            this.commands = new Link<>(
                    () -> connectCluster().thenApply(c -> new Commands(c, c.async(), new byte[0])),
                    Commands::connection, c -> commandsUp(), scheduler);
        } else {
            this.cluster = null;
            this.publishCommand = bytes("PUBLISH");
            this.commands = new Link<>(
                    () -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
                            .thenCompose(c -> c.async().info().toCompletableFuture()
                                    .thenApply(info -> new Commands(c, c.async(), fence(info)))
                                    .whenComplete((ok, error) -> {
                                        if (error != null) {
                                            c.closeAsync();
                                        }
                                    })),
                    Commands::connection, c -> commandsUp(), scheduler);
        }
        String nodeId = newEpoch();
        this.fanout = new Fanout(config, "herald-redis-processor", new Fanout.Reader() {
            @Override
            public CompletableFuture<HistoryResult> read(String channel, long since, int limit, NamespaceOptions options) {
                return RedisBroker.this.read(channel, since, limit, options);
            }

            @Override
            public CompletableFuture<StreamPosition> top(String channel) {
                return RedisBroker.this.top(channel);
            }
        }, stats, scheduler);
        if (cluster != null) {
            this.pubsub = new ShardedPubSub(config, cluster, client, nodeId, fanout, stats, scheduler,
                    probe -> publishRaw(probe, PROBE));
        } else {
            this.pubsub = new PubSub(config, () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                    nodeId, fanout, stats, scheduler,
                    probe -> publishRaw(probe, PROBE));
        }
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                commands.lost(connection);
                pubsub.lost(connection);
            }
        });
        this.presence = new RedisPresence(config, new RedisPresence.Redis() {
            @Override
            public <T> CompletableFuture<T> command(Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletionStage<T>> op) {
                return RedisBroker.this.command(c -> op.apply(c.async()));
            }

            @Override
            public CompletableFuture<Long> publish(String channel, byte[] message) {
                return publishRaw(key("c", channel), message);
            }

            @Override
            public CompletableFuture<Void> subscribe(String channel) {
                return pubsub.subscribe(channel);
            }

            @Override
            public <T> CompletableFuture<T> guard(String what, CompletableFuture<T> future) {
                return RedisBroker.this.guard(what, future);
            }

            @Override
            public boolean cluster() {
                return cluster != null;
            }
        });
        fanout.events(presence::received);
    }

    /** The command connection (re)connected: presence re-adds this node's entries (Redis may have lost them). */
    private void commandsUp() {
        RedisPresence p = presence;
        if (p != null) {
            p.refreshSoon();
        }
    }

    /**
     * Publishes {@code message} on the pub/sub channel {@code name} outside the publish script
     * (probes, presence events): SPUBLISH on a Redis Cluster (into the name's slot), else PUBLISH.
     */
    private CompletableFuture<Long> publishRaw(byte[] name, byte[] message) {
        return command(c -> cluster != null ? c.async().spublish(name, message) : c.async().publish(name, message));
    }

    /** Presence in Redis, shared by every node on it, with expiry ({@link RedisPresence}). */
    @Override
    public PresenceStore presence() {
        return presence;
    }

    /**
     * Opens a cluster connection after a fresh topology read (the one the subscriptions make, so
     * both agree): connecting needs one, and a reconnect may follow a failover.
     */
    private CompletableFuture<StatefulRedisClusterConnection<byte[], byte[]>> connectCluster() {
        return ((ShardedPubSub) pubsub).requestRehome().thenCompose(v -> cluster.connectAsync(ByteArrayCodec.INSTANCE));
    }

    /**
     * Lettuce's default resources, with a {@link FlushConsolidationHandler} at the head of every
     * connection's pipeline: a command written while others are queued in the same event-loop turn
     * is flushed with them, so a burst of publishes (one per HTTP request read in that turn) reaches
     * Redis in one write rather than one system call each. Consolidation waits at most for the end
     * of the turn (explicitFlushAfterFlushes 256), so it adds no latency of its own.
     */
    private static ClientResources resources() {
        return DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
            @Override
            public void afterChannelInitialized(io.netty.channel.Channel channel) {
                channel.pipeline().addFirst(new FlushConsolidationHandler(256, true));
            }
        }).build();
    }

    private static SocketOptions socketOptions(RedisBrokerConfig config) {
        return SocketOptions.builder().connectTimeout(config.timeout()).keepAlive(true).build();
    }

    /**
     * The cluster client of a Redis Cluster broker, with the options the broker needs when Lettuce
     * owns the node connections: no auto-reconnect, so an unanswered command is never re-sent on a
     * new connection (a publish stored twice under two offsets); commands rejected at once while a
     * node is disconnected; every command bounded by the timeout; a bounded queue; the topology
     * read every 30 s and on Lettuce's adaptive triggers (MOVED, ASK, reconnects). It shares the
     * standalone client's threads.
     */
    private static RedisClusterClient clusterClient(RedisBrokerConfig config, RedisClient client) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String seed : config.clusterSeeds()) {
            RedisURI u = RedisURI.create(seed);
            u.setTimeout(config.timeout());
            seeds.add(u);
        }
        RedisClusterClient cluster = RedisClusterClient.create(client.getResources(), seeds);
        cluster.setOptions(ClusterClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(65_536)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(socketOptions(config))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(30))
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return cluster;
    }

    /** Connects both connections in the background; publications go to {@code listener}. */
    @Override
    public void start(BrokerListener listener) {
        fanout.start(listener, pubsub::channels);
        commands.get();
        pubsub.start();
    }

    /** The fan-out's counters (reconnects, catch-ups, resets passed on, overflows, probe restarts). */
    public RedisBrokerStats stats() {
        return stats;
    }

    @Override
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                                  String idempotencyKey, String key) {
        byte[] body;
        try {
            body = Wire.body(event, data, key);
        } catch (HeraldException e) {
            return CompletableFuture.failedFuture(e);
        }
        Channel subscribed = pubsub.channel(channel);
        if (subscribed != null) {
            subscribed.options = options;
        }
        long age = Math.max(1, options.historyAge().toMillis());
        return guard("publish to " + channel, command(c -> Script.PUBLISH.run(c.async(),
                idempotencyKey == null ? keys(channel) : keys(channel, idempotencyKey), c.fence(), bytes(newEpoch()),
                bytes(options.historySize()), bytes(age), bytes(age + MemoryBroker.STREAM_TTL_MS), key("c", channel), body,
                publishCommand, bytes(IDEMPOTENCY_WINDOW.toMillis())))
                .thenApply(out -> new Publication(channel, (Long) out.get(0), string(out.get(1)), event, data, (Long) out.get(2),
                        key)));
    }

    @Override
    public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        Channel subscribed = pubsub.channel(channel);
        if (subscribed != null) {
            subscribed.options = options;
        }
        return read(channel, since == null ? -1 : since.offset(), limit, options).whenComplete((result, error) -> {
            if (result != null && subscribed != null) {
                fanout.seen(subscribed, result.top());
            }
        });
    }

    /** What identifies a history read: equal reads in flight at once are made once ({@link SingleFlight}). */
    private record Read(String channel, long since, int limit, int size, long ageMs) {
    }

    /** Runs the history script, at most one identical read at a time (a herd of resumes shares them). */
    private CompletableFuture<HistoryResult> read(String channel, long since, int limit, NamespaceOptions options) {
        long age = Math.max(1, options.historyAge().toMillis());
        Read key = new Read(channel, since, limit, options.historySize(), age);
        return guard("history of " + channel, reads.run(key, () -> counted(key, () -> command(c -> Script.HISTORY.run(c.async(),
                keys(channel), c.fence(), bytes(newEpoch()), bytes(age), bytes(age + MemoryBroker.STREAM_TTL_MS),
                bytes(since), bytes(limit)))
                .thenApply(out -> {
                    String epoch = string(out.get(0));
                    List<Publication> page = new ArrayList<>((out.size() - 3) / 3);
                    for (int i = 3; i + 2 < out.size(); i += 3) {
                        page.add(Wire.publication(channel, (Long) out.get(i), epoch, (Long) out.get(i + 1),
                                (byte[]) out.get(i + 2), 0));
                    }
                    return new HistoryResult(page, new StreamPosition(epoch, (Long) out.get(1)), (Long) out.get(2));
                }))));
    }

    /** History scripts running now, per identical read: what {@link RedisBrokerStats#historyReadsPeak()} watches. */
    private final ConcurrentHashMap<Read, Integer> readsRunning = new ConcurrentHashMap<>();

    /** Runs one history script, counted in {@link #stats()}: the run, and how many of {@code key} run at once. */
    private CompletableFuture<HistoryResult> counted(Read key, Supplier<CompletableFuture<HistoryResult>> script) {
        stats.historyReads.increment();
        int running = readsRunning.merge(key, 1, Integer::sum);
        stats.historyReadsPeak.accumulateAndGet(running, Math::max);
        CompletableFuture<HistoryResult> run;
        try {
            run = script.get();
        } catch (RuntimeException e) {
            run = CompletableFuture.failedFuture(e);
        }
        return run.whenComplete((r, e) -> readsRunning.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1));
    }

    /** The channel's top from its meta ({@code HMGET e s}), without creating it; null when it is missing. */
    private CompletableFuture<StreamPosition> top(String channel) {
        return guard("top of " + channel, command(c -> c.async()
                .hmget(key("m", channel), E, S))
                .thenApply(values -> {
                    byte[] e = values.get(0).getValueOrElse(null);
                    byte[] s = values.get(1).getValueOrElse(null);
                    return e == null ? null : new StreamPosition(string(e), s == null ? 0 : Long.parseLong(string(s)));
                }));
    }

    /**
     * Subscribes this node to the channel on Redis; completes when Redis confirmed the SUBSCRIBE
     * (at once when the channel is still subscribed, e.g. lingering), so every publication whose
     * script runs afterwards reaches the listener. While the pub/sub connection is down it waits for
     * it, and fails with {@code broker_unavailable} after the timeout.
     */
    @Override
    public CompletableFuture<Void> subscribe(String channel) {
        return guard("subscribe to " + channel, pubsub.subscribe(channel));
    }

    /**
     * Stops delivering the channel at once; the node stays subscribed on Redis for the linger
     * ({@link RedisBrokerConfig#linger()}), then unsubscribes. Completes at once.
     */
    @Override
    public CompletableFuture<Void> unsubscribe(String channel) {
        pubsub.unsubscribe(channel);
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Up when a PING on the command connection is answered and the pub/sub connection is open (or
     * opens: a connection attempt in flight is waited for);
     * otherwise down with {@code redis HOST:PORT: } and the reason. Bounded by the timeout.
     */
    @Override
    public CompletableFuture<BrokerHealth> health() {
        CompletableFuture<BrokerHealth> answer = command(c -> c.async().ping())
                .thenCompose(pong -> pubsub.connection().handle((c, error) -> error == null ? BrokerHealth.UP
                        : BrokerHealth.down(where + ": pub/sub connection: " + describe(error))))
                .exceptionally(error -> BrokerHealth.down(where + ": " + describe(error)));
        return answer.completeOnTimeout(BrokerHealth.down(where + ": no answer within " + config.timeout().toMillis() + " ms"),
                config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        presence.close();
        commands.close();
        pubsub.close();
        fanout.close();
        scheduler.shutdownNow();
        if (cluster != null) {
            cluster.shutdown(0, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        client.shutdown(0, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        resources.shutdown(0, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The subscription manager of a standalone Redis, for tests. */
    PubSub pubsub() {
        return (PubSub) pubsub;
    }

    /** The subscriptions (a {@link ShardedPubSub} on a Redis Cluster), for tests. */
    Subscriptions subscriptions() {
        return pubsub;
    }

    /** The processors, for tests. */
    Fanout fanout() {
        return fanout;
    }

    /**
     * Runs {@code op} on the command connection. A {@code READONLY} error reply (the Redis it is
     * connected to was demoted to a replica under the live connection, e.g. by Sentinel) closes
     * the connection, so the next command connects again, to the master the Sentinels name now,
     * and reads its fence. On a Redis Cluster, a failure saying a node
     * connection was lost (Lettuce's cluster client reconnects nothing: auto-reconnect is off) drops
     * the whole cluster connection, so the next command opens a new one with a fresh topology; and
     * a node that cannot be reached (a failed master) makes the broker read the topology again (at
     * most one read at a time), so commands find its promoted replica.
     */
    private <T> CompletableFuture<T> command(Function<Commands, CompletionStage<T>> op) {
        return commands.get().thenCompose(c -> op.apply(c).toCompletableFuture().whenComplete((ok, error) -> {
            if (error != null && cluster == null && readOnly(error)) {
                commands.lost(c.connection());
            }
            if (error != null && cluster != null) {
                if (connectionLost(error)) {
                    commands.lost(c.connection());
                    ((ShardedPubSub) pubsub).requestRehome();
                } else if (unwrap(error) instanceof RedisConnectionException) {
                    ((ShardedPubSub) pubsub).requestRehome();
                }
            }
        }));
    }

    /** Whether a command failed with a {@code READONLY} error: it reached a replica (plain, or from inside a script). */
    private static boolean readOnly(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RedisCommandExecutionException && cause.getMessage() != null
                && cause.getMessage().contains("READONLY");
    }

    /** Whether a command failed because its connection closed under it or was found closed. */
    private static boolean connectionLost(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof CancellationException) {
            return true;
        }
        String message = cause.getMessage();
        return cause instanceof RedisException && !(cause instanceof RedisCommandExecutionException) && message != null
                && (message.startsWith("Currently not connected") || message.startsWith("Connection closed")
                || message.startsWith("Connection disconnected"));
    }

    /** Bounds {@code future} by the timeout and maps its failure to {@code broker_unavailable}. */
    private <T> CompletableFuture<T> guard(String what, CompletableFuture<T> future) {
        CompletableFuture<T> out = new CompletableFuture<>();
        // Lettuce's wheel timer, not orTimeout: cancelling a wheel timeout only enqueues it, where
        // orTimeout's scheduled executor takes a lock and may wake its thread on every command.
        Timeout timer = resources.timer().newTimeout(t -> future.completeExceptionally(new TimeoutException()),
                config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        future.whenComplete((value, error) -> {
            timer.cancel();
            if (error == null) {
                out.complete(value);
            } else {
                Throwable cause = unwrap(error);
                out.completeExceptionally(cause instanceof HeraldException h ? h
                        : new HeraldException(ErrorCode.BROKER_UNAVAILABLE, what + " failed: the broker is unavailable ("
                                + (cause instanceof TimeoutException ? "no answer within " + config.timeout().toMillis() + " ms"
                                : "cannot reach it") + ")", new IllegalStateException(where + ": " + describe(cause), cause)));
            }
        });
        return out;
    }

    /** In words for an operator: the innermost cause's message, e.g. {@code Connection refused}. */
    static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof TimeoutException) {
            return "no answer in time";
        }
        if (cause instanceof RedisException && cause.getMessage() != null && cause.getMessage().startsWith("Currently not connected")) {
            return "connection lost"; // Lettuce's words for a command on a connection that just closed
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return root == cause || cause.getMessage() == null ? message : cause.getMessage() + ": " + message;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private byte[][] keys(String channel) {
        return new byte[][] {key("m", channel), key("s", channel)};
    }

    /**
     * The keys of a publish with an idempotency key: the meta, the stream, and
     * {@code PREFIX:i:{CHANNEL}:KEY} (the channel's hash tag first, so all three share a slot).
     */
    private byte[][] keys(String channel, String idempotencyKey) {
        return new byte[][] {key("m", channel), key("s", channel), key("i", channel, ":" + idempotencyKey)};
    }

    private byte[] key(String kind, String channel) {
        return key(kind, channel, "");
    }

    /** {@code PREFIX:KIND:{CHANNEL}SUFFIX}: the channel's hash tag comes first, so every key of a channel shares its slot. */
    private byte[] key(String kind, String channel, String suffix) {
        return (config.prefix() + ":" + kind + ":{" + channel + "}" + suffix).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The fence of a standalone master from its {@code INFO}: {@code run_id:master_replid}, so that a
     * restart (a new {@code run_id}, whatever the version does with the replication id) and a
     * promotion (a new {@code master_replid}) both change it.
     */
    static byte[] fence(String info) {
        return bytes(infoField(info, "run_id") + ":" + infoField(info, "master_replid"));
    }

    private static String infoField(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IllegalStateException("INFO has no " + field);
    }

    /**
     * A random epoch candidate, 8 characters of {@link #ALPHABET} (about 41 bits): from a
     * per-thread {@link SplittableRandom} seeded by {@link SecureRandom}, since a publish makes one
     * (used only when the script creates the stream) and SecureRandom costs microseconds a call.
     */
    private static String newEpoch() {
        SplittableRandom random = EPOCHS.get();
        char[] c = new char[8];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String string(Object reply) {
        return new String((byte[]) reply, StandardCharsets.UTF_8);
    }
}
