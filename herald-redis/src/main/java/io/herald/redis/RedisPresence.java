package io.herald.redis;

import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceListener;
import io.herald.core.presence.PresenceStats;
import io.herald.core.presence.PresenceStore;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PresenceStore} of the Redis broker: presence shared by every node on one Redis or one
 * Redis Cluster, healed by expiry when a node dies (docs/protocol.md, "Presence").
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
 * re-adds them every third of the TTL, and after each reconnection of the command connection (a
 * Redis restarted without its data, or a Redis Cluster replica promoted without the last writes of
 * its master, gets them back); a node that stops (killed, frozen, cut off) stops refreshing, and its
 * entries leave every answer within the TTL. A refresh re-adds many channels per script: the
 * channels of one hash slot together on a Redis Cluster (a script's keys must share a slot), any
 * channels together on a standalone Redis, at most {@value #REFRESH_BATCH} entries per script. An
 * entry removed while its refresh was being sent is removed again right after it.
 *
 * <p>Join and leave events travel on the channel's own pub/sub channel {@code P:c:{ch}}, the one
 * its publications travel on (PUBLISH, or SPUBLISH into the channel's slot on a Redis Cluster,
 * chosen by the broker), as messages starting with {@code J} or {@code L} where a publication starts
 * with {@code H1}: the client id, {@code \n}, then {@code =user} or nothing. They are not part of the
 * channel's offset stream, so they can never open a gap. A node {@link #watch watches} a channel by
 * subscribing to it through the broker's subscription manager ({@link PubSub}, or {@link ShardedPubSub}
 * on a cluster, which re-homes it when its slot changes master), which the hub does anyway for a
 * channel with subscribers; the broker's processor of the channel hands each event to
 * {@link #received}, in Redis's order with the channel's publications. Events are at most once: one
 * sent while a node's pub/sub connection is down, or dropped by a full processor queue, is not replayed.
 *
 * <p>Connections: none of its own. Commands go through the broker's command connection (Lettuce's
 * cluster client on a Redis Cluster, which routes each script by its keys' slot); operations are
 * bounded by the broker's timeout and fail with {@code broker_unavailable}. Thread-safe; never blocks
 * the caller.
 */
public final class RedisPresence implements PresenceStore {
    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);
    /** Entries re-added per script call at most, so one refresh of a crowded channel or slot is several short scripts. */
    static final int REFRESH_BATCH = 256;

    /** What the presence uses of its broker: its command connection, its pub/sub, and its bound of an operation. */
    interface Redis {
        /** Runs {@code op} on the broker's command connection (cluster-routed on a Redis Cluster). */
        <T> CompletableFuture<T> command(Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletionStage<T>> op);

        /** Publishes {@code message} to the channel's pub/sub channel {@code P:c:{ch}} (PUBLISH or SPUBLISH). */
        CompletableFuture<Long> publish(String channel, byte[] message);

        /** Subscribes the node to the channel's pub/sub channel; completes on Redis's confirmation. */
        CompletableFuture<Void> subscribe(String channel);

        /** Bounds {@code future} by the timeout and maps its failure to {@code broker_unavailable}. */
        <T> CompletableFuture<T> guard(String what, CompletableFuture<T> future);

        /** Whether this is a Redis Cluster (a script's keys must then share one slot). */
        boolean cluster();
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

    /**
     * KEYS data, expiry of each channel in turn (all in one slot on a Redis Cluster). ARGV ttl ms,
     * then per channel the number of its entries and that many client, info pairs. Adds or
     * refreshes the entries. Returns {channels}.
     */
    static final Script ADD = new Script("presence-add", NOW + """
            local ttl = tonumber(ARGV[1])
            local a = 2
            for k = 1, #KEYS, 2 do
              local n = tonumber(ARGV[a])
              a = a + 1
              for i = 1, n do
                redis.call('ZADD', KEYS[k + 1], now + ttl, ARGV[a])
                redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
                a = a + 2
              end
              redis.call('PEXPIRE', KEYS[k], ttl)
              redis.call('PEXPIRE', KEYS[k + 1], ttl)
            end
            return {#KEYS / 2}
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

    private static final byte[] ONE = {'1'};

    private final RedisBrokerConfig config;
    private final Redis redis;
    private final ScheduledExecutorService scheduler;
    /** This node's live entries: channel → client id → info; what the refresher re-adds. */
    private final ConcurrentHashMap<String, Map<String, byte[]>> local = new ConcurrentHashMap<>();
    /** Watched channels → how many watches (the hub's watch and unwatch are balanced). */
    private final ConcurrentHashMap<String, Integer> watched = new ConcurrentHashMap<>();
    private final byte[] ttlMs;
    private volatile PresenceListener listener = e -> { };
    private volatile boolean refreshFailing;

    /**
     * @param config the broker's configuration: prefix, presence TTL
     * @param redis  the broker's connections and bound of an operation
     */
    RedisPresence(RedisBrokerConfig config, Redis redis) {
        this.config = config;
        this.redis = redis;
        this.ttlMs = bytes(Long.toString(config.presenceTtl().toMillis()));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-redis-presence");
            t.setDaemon(true);
            return t;
        });
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
            sent[0] = run("presence add to " + channel, ADD, keys(channel), ttlMs, ONE, bytes(client.client()), info);
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
            sent[0] = run("presence remove from " + channel, REMOVE, keys(channel), bytes(clientId));
            return entries == null || entries.isEmpty() ? null : entries;
        });
        return sent[0];
    }

    @Override
    public CompletableFuture<List<ClientInfo>> clients(String channel) {
        return redis.guard("presence of " + channel, redis.command(c -> CLIENTS.run(c, keys(channel))))
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
        return redis.guard("presence counts of " + channel, redis.command(c -> STATS.run(c, keys(channel))))
                .thenApply(reply -> new PresenceStats(((Long) reply.get(0)).intValue(), ((Long) reply.get(1)).intValue()));
    }

    /**
     * Starts handing the channel's events to the listener and subscribes the node to the channel's
     * pub/sub channel (as the broker's subscribe does); completes when Redis confirmed it.
     */
    @Override
    public CompletableFuture<Void> watch(String channel) {
        watched.merge(channel, 1, Integer::sum);
        return redis.guard("presence events of " + channel, redis.subscribe(channel));
    }

    /**
     * Stops handing the channel's events to the listener, at once. The pub/sub subscription is the
     * broker's: the hub unsubscribes it with the broker (an unsubscribe here could undo a subscribe
     * the hub made meanwhile).
     */
    @Override
    public CompletableFuture<Void> unwatch(String channel) {
        watched.computeIfPresent(channel, (c, n) -> n > 1 ? n - 1 : null);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> announce(PresenceEvent event) {
        byte[] message = event(event);
        return redis.guard("presence event on " + event.channel(), redis.publish(event.channel(), message))
                .thenApply(receivers -> null);
    }

    /**
     * A message on a channel's pub/sub channel that is not a publication, on the channel's processor
     * thread: handed to the listener when it is an event of a watched channel.
     */
    void received(String channel, byte[] message) {
        if (!watched.containsKey(channel)) {
            return;
        }
        try {
            listener.onPresenceEvent(event(channel, message));
        } catch (RuntimeException e) {
            log.warn("dropped a presence event on {}", channel, e);
        }
    }

    /**
     * Stops refreshing, leaving this node's entries to expire: what a node that dies does, and what
     * a node that stops does after its sessions left. The connections are the broker's. Idempotent.
     */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** A refresh on the refresher's thread: after a (re)connection, so a Redis that lost its data gets the entries back. */
    void refreshSoon() {
        try {
            scheduler.execute(this::refresh);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile: nothing to refresh
        }
    }

    /**
     * Re-adds every live entry of this node: one script per group of channels (per hash slot on a
     * Redis Cluster) and {@value #REFRESH_BATCH} entries; failures are logged once per streak.
     */
    void refresh() {
        if (scheduler.isShutdown()) {
            return;
        }
        Map<Integer, Batch> open = new HashMap<>();
        List<Batch> full = new ArrayList<>();
        for (String channel : local.keySet()) {
            int slot = redis.cluster() ? SlotHash.getSlot(key("pd", channel)) : 0;
            local.computeIfPresent(channel, (c, entries) -> {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    Batch batch = open.computeIfAbsent(slot, s -> new Batch());
                    batch.add(c, e.getKey(), e.getValue());
                    if (batch.entries >= REFRESH_BATCH) {
                        full.add(open.remove(slot));
                    }
                }
                return entries;
            });
            full.forEach(Batch::send); // outside the channel's entry: sending looks at it again
            full.clear();
        }
        open.values().forEach(Batch::send);
    }

    /** The entries of one refresh script: channels of one slot, each with its clients and infos. */
    private final class Batch {
        private final Map<String, List<byte[]>> channels = new LinkedHashMap<>();
        private int entries;

        void add(String channel, String client, byte[] info) {
            List<byte[]> pairs = channels.computeIfAbsent(channel, c -> new ArrayList<>());
            pairs.add(bytes(client));
            pairs.add(info);
            entries++;
        }

        /** Sends the script, then removes again what was removed since it was read (sent after it, so run after it). */
        void send() {
            List<byte[]> keys = new ArrayList<>(2 * channels.size());
            List<byte[]> args = new ArrayList<>(1 + channels.size() + 2 * entries);
            args.add(ttlMs);
            channels.forEach((channel, pairs) -> {
                keys.add(key("pd", channel));
                keys.add(key("pz", channel));
                args.add(bytes(Integer.toString(pairs.size() / 2)));
                args.addAll(pairs);
            });
            refreshed(run("presence refresh of " + channels.size() + " channels", ADD, keys.toArray(byte[][]::new),
                    args.toArray(byte[][]::new)));
            channels.forEach((channel, pairs) -> local.compute(channel, (c, now) -> {
                for (int i = 0; i < pairs.size(); i += 2) {
                    String client = string(pairs.get(i));
                    if (now == null || !now.containsKey(client)) {
                        run("presence remove from " + c, REMOVE, keys(c), pairs.get(i));
                    }
                }
                return now;
            }));
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

    private CompletableFuture<Void> run(String what, Script script, byte[][] keys, byte[]... args) {
        return redis.guard(what, redis.command(c -> script.run(c, keys, args))).thenApply(reply -> null);
    }

    private byte[][] keys(String channel) {
        return new byte[][] {key("pd", channel), key("pz", channel)};
    }

    private byte[] key(String kind, String channel) {
        return bytes(config.prefix() + ":" + kind + ":{" + channel + "}");
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
