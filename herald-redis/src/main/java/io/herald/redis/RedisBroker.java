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
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} on Redis, shared by several Herald nodes: every node publishes to and reads the
 * same channel streams, and receives, over Redis pub/sub, the publications of the channels it has
 * subscribers for, whichever node published them.
 *
 * <p>Per channel {@code ch} (keys carry {@code {ch}} as a Redis Cluster hash tag, so both of a
 * channel's keys are in one slot):
 * <ul>
 *   <li>{@code P:m:{ch}}, a hash: {@code e} the epoch, {@code s} the top offset, {@code r} the
 *       {@code run_id} of the Redis process that last wrote it; expires after the history age plus
 *       {@link MemoryBroker#STREAM_TTL_MS} unused.</li>
 *   <li>{@code P:s:{ch}}, a stream, the history: entry id {@code <offset>-0}, fields {@code t} (the
 *       publish time in ms, from Redis's clock) and {@code d} (the publication); bounded by the
 *       namespace's history size (exact MAXLEN) and age (entries older than it are trimmed on each
 *       publish and read).</li>
 *   <li>{@code P:c:{ch}}, the pub/sub channel the publish script PUBLISHes each publication to.</li>
 * </ul>
 * Publish and history are one Lua script each ({@link Script}), so offsets, history and delivery
 * order agree: the order in which Redis ran the scripts. A stream's epoch is random and changes when
 * its meta is missing or was written by another Redis process ({@code run_id}): a Redis restarted or
 * flushed, with or without its data, never serves reused offsets under an old epoch.
 *
 * <p>Connections: one command connection (pipelined) and one pub/sub connection, each kept up by a
 * {@link Link} with Lettuce's auto-reconnect off (no command replay) and reconnected by Herald. A
 * {@link #subscribe} completes when Redis confirmed the SUBSCRIBE (one channel per command, so the
 * command's reply is that confirmation); after a pub/sub reconnect every subscribed channel is
 * subscribed again. Publications are handed to the listener on the pub/sub connection's thread, in
 * the order Redis sent them.
 *
 * <p>Failure: every operation is bounded by {@link RedisBrokerConfig#timeout()} and fails its
 * future with {@link HeraldException} {@code broker_unavailable} when Redis does not answer in time
 * or cannot be reached (at once, while the connection is known to be down). A publish that timed
 * out may still have been stored. Never blocks the caller, never throws for Redis's sake.
 *
 * <p>Lettuce 6.5 rather than 7: Lettuce 7 needs Netty 4.2 while Herald runs on Netty 4.1, and 6.5
 * has everything this broker uses (async scripting, pub/sub, {@code TimeoutOptions},
 * {@code autoReconnect(false)}). Thread-safe.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final RedisBrokerConfig config;
    private final String where;
    private final RedisClient client;
    private final ScheduledExecutorService scheduler;
    private final Link<Commands> commands;
    private final Link<StatefulRedisPubSubConnection<byte[], byte[]>> pubsub;
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final byte[] pubsubPrefix;
    private volatile BrokerListener listener = p -> { };
    private final RedisPresence presence;

    /** The command connection and the {@code run_id} of the Redis process it is connected to. */
    private record Commands(StatefulRedisConnection<byte[], byte[]> connection, byte[] runId) {
    }

    /** A broker on the Redis {@code config} names; connects on {@link #start}. */
    public RedisBroker(RedisBrokerConfig config) {
        this.config = config;
        RedisURI uri = RedisURI.create(config.address());
        uri.setTimeout(config.timeout());
        this.where = "redis " + uri.getHost() + ":" + uri.getPort();
        this.pubsubPrefix = (config.prefix() + ":c:{").getBytes(StandardCharsets.UTF_8);
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(65_536)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(config.timeout()).keepAlive(true).build())
                .build());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-redis-reconnect");
            t.setDaemon(true);
            return t;
        });
        this.commands = new Link<>(
                () -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
                        .thenCompose(c -> c.async().info("server").toCompletableFuture()
                                .thenApply(info -> new Commands(c, runId(info)))
                                .whenComplete((ok, error) -> {
                                    if (error != null) {
                                        c.closeAsync();
                                    }
                                })),
                Commands::connection, c -> { }, scheduler);
        this.pubsub = new Link<>(
                () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
                        .thenApply(c -> {
                            c.addListener(new Receiver());
                            return c;
                        }),
                c -> c, this::resubscribe, scheduler);
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                commands.lost(connection);
                pubsub.lost(connection);
            }
        });
        this.presence = new RedisPresence(config, client, uri, this::guard);
    }

    /** Presence in Redis, shared by every node on it, with expiry ({@link RedisPresence}). */
    @Override
    public PresenceStore presence() {
        return presence;
    }

    /** Connects both connections in the background; publications go to {@code listener}. */
    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
        commands.get();
        pubsub.get();
    }

    @Override
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options) {
        byte[] body;
        try {
            body = Wire.body(event, data);
        } catch (HeraldException e) {
            return CompletableFuture.failedFuture(e);
        }
        long age = Math.max(1, options.historyAge().toMillis());
        return guard("publish to " + channel, commands.get().thenCompose(c -> Script.PUBLISH.run(c.connection().async(),
                keys(channel), c.runId(), bytes(newEpoch()), bytes(options.historySize()), bytes(age),
                bytes(age + MemoryBroker.STREAM_TTL_MS), key("c", channel), body))
                .thenApply(out -> new Publication(channel, (Long) out.get(0), string(out.get(1)), event, data, (Long) out.get(2))));
    }

    @Override
    public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        long age = Math.max(1, options.historyAge().toMillis());
        return guard("history of " + channel, commands.get().thenCompose(c -> Script.HISTORY.run(c.connection().async(),
                keys(channel), c.runId(), bytes(newEpoch()), bytes(age), bytes(age + MemoryBroker.STREAM_TTL_MS),
                bytes(since == null ? -1 : since.offset()), bytes(limit)))
                .thenApply(out -> {
                    String epoch = string(out.get(0));
                    List<Publication> page = new ArrayList<>((out.size() - 3) / 3);
                    for (int i = 3; i + 2 < out.size(); i += 3) {
                        page.add(Wire.publication(channel, (Long) out.get(i), epoch, (Long) out.get(i + 1),
                                (byte[]) out.get(i + 2), 0));
                    }
                    return new HistoryResult(page, new StreamPosition(epoch, (Long) out.get(1)), (Long) out.get(2));
                }));
    }

    /**
     * Subscribes this node to the channel on Redis; completes when Redis confirmed the SUBSCRIBE, so
     * every publication whose script runs afterwards reaches the listener.
     */
    @Override
    public CompletableFuture<Void> subscribe(String channel) {
        subscribed.add(channel);
        return guard("subscribe to " + channel, pubsub.get()
                .thenCompose(c -> c.async().subscribe(key("c", channel)).toCompletableFuture()));
    }

    /** Unsubscribes at once (no linger yet); nothing to do while the pub/sub connection is down. */
    @Override
    public CompletableFuture<Void> unsubscribe(String channel) {
        subscribed.remove(channel);
        if (!pubsub.isUp()) {
            return CompletableFuture.completedFuture(null);
        }
        return guard("unsubscribe from " + channel, pubsub.get()
                .thenCompose(c -> c.async().unsubscribe(key("c", channel)).toCompletableFuture()));
    }

    /**
     * Up when a PING on the command connection is answered and the pub/sub connection is open (or
     * opens: a connection attempt in flight is waited for);
     * otherwise down with {@code redis HOST:PORT: } and the reason. Bounded by the timeout.
     */
    @Override
    public CompletableFuture<BrokerHealth> health() {
        CompletableFuture<BrokerHealth> answer = commands.get()
                .thenCompose(c -> c.connection().async().ping().toCompletableFuture())
                .thenCompose(pong -> pubsub.get().handle((c, error) -> error == null ? BrokerHealth.UP
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
        scheduler.shutdownNow();
        client.shutdown(0, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** After each pub/sub (re)connection: subscribes again to every channel this node subscribed to. */
    private void resubscribe(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
        for (String channel : subscribed) {
            connection.async().subscribe(key("c", channel));
        }
    }

    /** Receives pub/sub messages on the connection's thread, in Redis's order. */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            String name = channelOf(channel);
            if (name == null || !subscribed.contains(name)) {
                return;
            }
            try {
                listener.onPublication(Wire.message(name, message));
            } catch (RuntimeException e) {
                log.warn("dropped a pub/sub message on {}", name, e);
            }
        }
    }

    /** Bounds {@code future} by the timeout and maps its failure to {@code broker_unavailable}. */
    private <T> CompletableFuture<T> guard(String what, CompletableFuture<T> future) {
        CompletableFuture<T> out = new CompletableFuture<>();
        future.orTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((value, error) -> {
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

    private byte[] key(String kind, String channel) {
        return (config.prefix() + ":" + kind + ":{" + channel + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** The Herald channel of a pub/sub channel name, or null when it is not one of this prefix's. */
    private String channelOf(byte[] pubsubChannel) {
        int n = pubsubPrefix.length;
        if (pubsubChannel.length < n + 2 || pubsubChannel[pubsubChannel.length - 1] != '}'
                || !java.util.Arrays.equals(pubsubChannel, 0, n, pubsubPrefix, 0, n)) {
            return null;
        }
        return new String(pubsubChannel, n, pubsubChannel.length - n - 1, StandardCharsets.UTF_8);
    }

    private static byte[] runId(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return bytes(line.substring("run_id:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO server has no run_id");
    }

    private static String newEpoch() {
        char[] c = new char[8];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
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
