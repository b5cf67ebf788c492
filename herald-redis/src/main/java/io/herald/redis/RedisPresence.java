package io.herald.redis;

import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceListener;
import io.herald.core.presence.PresenceStats;
import io.herald.core.presence.PresenceStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PresenceStore} of the Redis broker: presence shared by every node on one Redis, healed
 * by expiry when a node dies (docs/protocol.md, "Presence").
 *
 * <p>Per channel {@code ch}, under the channel's hash tag (one slot, as the broker's keys):
 * <ul>
 *   <li>{@code P:pd:{ch}}, a hash: client id → info ({@code ""} for a client without a user id,
 *       {@code "=" + user} otherwise);</li>
 *   <li>{@code P:pz:{ch}}, a sorted set: client id → the time (ms, Redis's clock) its entry expires.</li>
 * </ul>
 * Both keys expire {@link RedisBrokerConfig#presenceTtl()} after the last add or refresh of any
 * entry. Reads prune the members whose time has passed first (one Lua script each, so a read never
 * lists an expired entry): centrifuge's layout. Each node keeps its own live entries in memory and
 * re-adds them every third of the TTL, and after each reconnection (a Redis restarted without its
 * data gets them back); a node that stops (killed, frozen, cut off) stops refreshing, and its entries
 * leave every answer within the TTL. An entry removed while a refresh of it was in flight can
 * outlive its removal by at most the TTL.
 *
 * <p>Join and leave events travel over Redis pub/sub on {@code P:j:{ch}}, separate from the
 * publications' channel and from the offset stream, so they can never open a gap: a node
 * {@link #watch watches} a channel with a SUBSCRIBE on its own pub/sub connection (completing on
 * Redis's confirmation), and {@link #announce} PUBLISHes {@code J} or {@code L}, the client id,
 * {@code \n}, then {@code =user} or nothing. Events are at most once: one sent while a node's pub/sub
 * connection is down is not replayed.
 *
 * <p>Connections: one command connection, and one pub/sub connection opened at the first
 * {@link #watch}, on the broker's {@link RedisClient}, each kept up by a {@link Link} (no command
 * replay). Operations are bounded by the broker's timeout and fail with {@code broker_unavailable}.
 * Thread-safe; never blocks the caller.
 */
public final class RedisPresence implements PresenceStore {
    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);
    /** Entries re-added per script call at most, so one refresh of a crowded channel is several short scripts. */
    private static final int REFRESH_BATCH = 256;
    /** Channels per SUBSCRIBE when resubscribing after a reconnection. */
    private static final int SUBSCRIBE_BATCH = 512;

    /** The broker's bound of an operation: its timeout, and failures as {@code broker_unavailable}. */
    interface Guard {
        <T> CompletableFuture<T> apply(String what, CompletableFuture<T> future);
    }

    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            """;

    /** Drops the members whose expiry time has passed, from both keys. */
    private static final String PRUNE = NOW + """
            local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
            for i = 1, #expired, 500 do
              redis.call('HDEL', KEYS[1], unpack(expired, i, math.min(i + 499, #expired)))
            end
            if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
            """;

    /** KEYS data, expiry. ARGV ttl ms, then client, info pairs. Adds or refreshes the entries. */
    static final Script ADD = new Script("presence-add", NOW + """
            local ttl = tonumber(ARGV[1])
            for i = 2, #ARGV, 2 do
              redis.call('ZADD', KEYS[2], now + ttl, ARGV[i])
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            redis.call('PEXPIRE', KEYS[1], ttl)
            redis.call('PEXPIRE', KEYS[2], ttl)
            return {(#ARGV - 1) / 2}
            """);

    /** KEYS data, expiry. ARGV client. */
    static final Script REMOVE = new Script("presence-remove", """
            redis.call('ZREM', KEYS[2], ARGV[1])
            return {redis.call('HDEL', KEYS[1], ARGV[1])}
            """);

    /** KEYS data, expiry. Returns client, info, client, info... of the live entries. */
    static final Script CLIENTS = new Script("presence-clients", PRUNE + """
            return redis.call('HGETALL', KEYS[1])
            """);

    /** KEYS data, expiry. Returns {clients, distinct users}. */
    static final Script STATS = new Script("presence-stats", PRUNE + """
            local infos = redis.call('HVALS', KEYS[1])
            local users, n = {}, 0
            for _, info in ipairs(infos) do
              if info ~= '' and not users[info] then users[info] = true; n = n + 1 end
            end
            return {#infos, n}
            """);

    private final RedisBrokerConfig config;
    private final Guard guard;
    private final ScheduledExecutorService scheduler;
    private final Link<StatefulRedisConnection<byte[], byte[]>> commands;
    private final Link<StatefulRedisPubSubConnection<byte[], byte[]>> pubsub;
    /** This node's live entries: channel → client id → info; what the refresher re-adds. */
    private final ConcurrentHashMap<String, Map<String, byte[]>> local = new ConcurrentHashMap<>();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final byte[] eventPrefix;
    private final byte[] ttlMs;
    private volatile PresenceListener listener = e -> { };
    private volatile boolean refreshFailing;

    /**
     * @param config the broker's configuration: prefix, timeout, presence TTL
     * @param client the broker's client (its threads are shared; the broker shuts it down)
     * @param uri    where Redis is
     * @param guard  the broker's bound of an operation
     */
    RedisPresence(RedisBrokerConfig config, RedisClient client, RedisURI uri, Guard guard) {
        this.config = config;
        this.guard = guard;
        this.eventPrefix = (config.prefix() + ":j:{").getBytes(StandardCharsets.UTF_8);
        this.ttlMs = bytes(Long.toString(config.presenceTtl().toMillis()));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-redis-presence");
            t.setDaemon(true);
            return t;
        });
        this.commands = new Link<>(() -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                c -> c, c -> refreshSoon(), scheduler);
        this.pubsub = Link.pubSub(client, uri, new Receiver(), this::resubscribe, scheduler);
        Link.reportLosses(client, commands, pubsub);
    }

    /** Starts the refresher (every third of the TTL); events of watched channels go to {@code listener}. */
    @Override
    public void start(PresenceListener listener) {
        this.listener = listener;
        long every = Math.max(1, config.presenceTtl().toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Void> add(String channel, ClientInfo client) {
        byte[] info = info(client);
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] sent = new CompletableFuture[1];
        local.compute(channel, (c, entries) -> {
            Map<String, byte[]> m = entries != null ? entries : new LinkedHashMap<>();
            m.put(client.client(), info);
            // sent under the channel's entry, so a remove of the same client is issued after it
            sent[0] = run("presence add to " + channel, ADD, channel, ttlMs, bytes(client.client()), info);
            return m;
        });
        return sent[0];
    }

    @Override
    public CompletableFuture<Void> remove(String channel, String clientId) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] sent = new CompletableFuture[1];
        local.compute(channel, (c, entries) -> {
            if (entries != null) {
                entries.remove(clientId);
            }
            sent[0] = run("presence remove from " + channel, REMOVE, channel, bytes(clientId));
            return entries == null || entries.isEmpty() ? null : entries;
        });
        return sent[0];
    }

    @Override
    public CompletableFuture<List<ClientInfo>> clients(String channel) {
        return guard.apply("presence of " + channel, commands.get().thenCompose(c -> CLIENTS.run(c.async(), keys(channel))))
                .thenApply(reply -> {
                    List<ClientInfo> clients = new ArrayList<>(reply.size() / 2);
                    for (int i = 0; i + 1 < reply.size(); i += 2) {
                        clients.add(new ClientInfo(string((byte[]) reply.get(i)), user((byte[]) reply.get(i + 1))));
                    }
                    clients.sort(Comparator.comparing(ClientInfo::client));
                    return clients;
                });
    }

    @Override
    public CompletableFuture<PresenceStats> stats(String channel) {
        return guard.apply("presence counts of " + channel, commands.get().thenCompose(c -> STATS.run(c.async(), keys(channel))))
                .thenApply(reply -> new PresenceStats(((Long) reply.get(0)).intValue(), ((Long) reply.get(1)).intValue()));
    }

    /** Subscribes to the channel's events on Redis; completes when Redis confirmed the SUBSCRIBE. */
    @Override
    public CompletableFuture<Void> watch(String channel) {
        watched.add(channel);
        return guard.apply("presence events of " + channel, pubsub.get()
                .thenCompose(c -> c.async().subscribe(key("j", channel)).toCompletableFuture()));
    }

    /** Unsubscribes at once; nothing to do while the pub/sub connection is down. */
    @Override
    public CompletableFuture<Void> unwatch(String channel) {
        watched.remove(channel);
        if (!pubsub.isUp()) {
            return CompletableFuture.completedFuture(null);
        }
        return guard.apply("presence events of " + channel, pubsub.get()
                .thenCompose(c -> c.async().unsubscribe(key("j", channel)).toCompletableFuture()));
    }

    @Override
    public CompletableFuture<Void> announce(PresenceEvent event) {
        byte[] message = event(event);
        return guard.apply("presence event on " + event.channel(), commands.get()
                .thenCompose(c -> c.async().publish(key("j", event.channel()), message).toCompletableFuture()))
                .thenApply(receivers -> null);
    }

    /**
     * Stops refreshing and closes the connections, leaving this node's entries to expire: what a
     * node that dies does, and what a node that stops does after its sessions left. Idempotent.
     */
    @Override
    public void close() {
        scheduler.shutdownNow();
        commands.close();
        pubsub.close();
    }

    /** A refresh on the refresher's thread: after a (re)connection, so a Redis that lost its data gets the entries back. */
    private void refreshSoon() {
        try {
            scheduler.execute(this::refresh);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile: nothing to refresh
        }
    }

    /** Re-adds every live entry of this node, one script per channel and batch; failures are logged once per streak. */
    void refresh() {
        if (scheduler.isShutdown()) {
            return;
        }
        for (String channel : local.keySet()) {
            local.computeIfPresent(channel, (c, entries) -> {
                List<byte[]> args = new ArrayList<>(1 + 2 * Math.min(entries.size(), REFRESH_BATCH));
                args.add(ttlMs);
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    args.add(bytes(e.getKey()));
                    args.add(e.getValue());
                    if (args.size() > 2 * REFRESH_BATCH) {
                        refreshed(run("presence refresh of " + c, ADD, c, args.toArray(byte[][]::new)));
                        args.subList(1, args.size()).clear();
                    }
                }
                if (args.size() > 1) {
                    refreshed(run("presence refresh of " + c, ADD, c, args.toArray(byte[][]::new)));
                }
                return entries;
            });
        }
    }

    private void refreshed(CompletableFuture<Void> sent) {
        sent.whenComplete((ok, error) -> {
            if (error == null) {
                refreshFailing = false;
            } else if (!refreshFailing) {
                refreshFailing = true;
                log.warn("presence refresh failed (entries expire after {} ms without it): {}",
                        config.presenceTtl().toMillis(), error.getMessage());
            }
        });
    }

    /** After each pub/sub (re)connection: subscribes again to the events of every watched channel. */
    private void resubscribe(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
        List<String> channels = new ArrayList<>(watched);
        for (int i = 0; i < channels.size(); i += SUBSCRIBE_BATCH) {
            byte[][] batch = channels.subList(i, Math.min(channels.size(), i + SUBSCRIBE_BATCH)).stream()
                    .map(ch -> key("j", ch)).toArray(byte[][]::new);
            connection.async().subscribe(batch);
        }
    }

    /** Receives events on the pub/sub connection's thread, in Redis's order. */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            String name = channelOf(channel);
            if (name == null || !watched.contains(name)) {
                return;
            }
            try {
                listener.onPresenceEvent(event(name, message));
            } catch (RuntimeException e) {
                log.warn("dropped a presence event on {}", name, e);
            }
        }
    }

    private CompletableFuture<Void> run(String what, Script script, String channel, byte[]... args) {
        return guard.apply(what, commands.get().thenCompose(c -> script.run(c.async(), keys(channel), args)))
                .thenApply(reply -> null);
    }

    private byte[][] keys(String channel) {
        return new byte[][] {key("pd", channel), key("pz", channel)};
    }

    private byte[] key(String kind, String channel) {
        return bytes(config.prefix() + ":" + kind + ":{" + channel + "}");
    }

    /** The Herald channel of an event's pub/sub channel, or null when it is not one of this prefix's. */
    private String channelOf(byte[] pubsubChannel) {
        int n = eventPrefix.length;
        if (pubsubChannel.length < n + 2 || pubsubChannel[pubsubChannel.length - 1] != '}'
                || !Arrays.equals(pubsubChannel, 0, n, eventPrefix, 0, n)) {
            return null;
        }
        return new String(pubsubChannel, n, pubsubChannel.length - n - 1, StandardCharsets.UTF_8);
    }

    /** An entry's info: {@code ""} without a user id, else {@code "=" + user}. */
    static byte[] info(ClientInfo client) {
        return bytes(client.user() == null ? "" : "=" + client.user());
    }

    /** The user id of an entry's info, or null. */
    static String user(byte[] info) {
        return info.length == 0 ? null : new String(info, 1, info.length - 1, StandardCharsets.UTF_8);
    }

    /** An event on the wire: {@code J} or {@code L}, the client id, {@code \n}, the info. */
    static byte[] event(PresenceEvent event) {
        return bytes((event.join() ? "J" : "L") + event.client().client() + "\n"
                + (event.client().user() == null ? "" : "=" + event.client().user()));
    }

    /** The event of {@code message} on {@code channel}. @throws IllegalArgumentException when malformed */
    static PresenceEvent event(String channel, byte[] message) {
        String text = string(message);
        int nl = text.indexOf('\n');
        if (text.isEmpty() || (text.charAt(0) != 'J' && text.charAt(0) != 'L') || nl < 2) {
            throw new IllegalArgumentException("not a presence event: " + text.length() + " bytes");
        }
        String client = text.substring(1, nl);
        String info = text.substring(nl + 1);
        return new PresenceEvent(channel, text.charAt(0) == 'J', new ClientInfo(client, info.isEmpty() ? null : info.substring(1)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
