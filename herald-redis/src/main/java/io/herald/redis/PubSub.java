package io.herald.redis;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription manager of the broker's pub/sub connection: which channels the node is
 * subscribed to on Redis, the connection itself (kept up by a {@link Link}), and its liveness probe.
 *
 * <p>Each {@link Channel} goes IDLE → SUBSCRIBING → SUBSCRIBED → (lingering) → UNSUBSCRIBING →
 * IDLE. SUBSCRIBE and UNSUBSCRIBE commands are batched: what is queued is sent at once when the
 * last flush is over a millisecond old, otherwise a millisecond after it, in commands of at most
 * {@value #BATCH} channels. A {@link #subscribe} completes on Redis's confirmation of the channel
 * (the {@code subscribe} reply carrying it), or at once when the channel is already subscribed,
 * lingering included; one arriving while the channel's UNSUBSCRIBE is in flight is sent after that
 * is confirmed. {@link #unsubscribe} keeps the channel subscribed for the linger
 * ({@link RedisBrokerConfig#linger()}), which absorbs the churn of subscribers that come back.
 * While the connection is down subscribes wait (the broker bounds them by its timeout). When it
 * comes back, every wanted channel is subscribed again in batches, and each confirmation starts
 * the channel's catch-up ({@link Fanout#confirmed}).
 *
 * <p>Probe: when the connection has been silent for {@link RedisBrokerConfig#probeInterval()}, the
 * node publishes to its own probe channel; when that does not come back within another interval
 * the connection is considered stale (a half-open socket, a detached server) and restarted.
 *
 * <p>Sharded (Redis Cluster, {@link ShardedPubSub}): the connection goes to one master, and the
 * commands are SSUBSCRIBE and SUNSUBSCRIBE, batched per hash slot (a sharded subscribe names
 * channels of one slot). A channel the server drops unasked (a {@code sunsubscribe} pushed when its
 * slot left the master) or refuses (a MOVED reply) is left IDLE and reported to the owner
 * ({@code moved}), which re-homes it ({@link #detach}, {@link #adopt}) on the master that serves it
 * now; the confirmation there starts its catch-up from history.
 *
 * <p>Thread-safe: state changes hold this object's monitor, never across I/O; commands are sent
 * from the scheduler's single thread, so they go out in the order they were decided.
 */
final class PubSub implements Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(PubSub.class);
    /** Channels per SUBSCRIBE or UNSUBSCRIBE command. */
    static final int BATCH = 512;
    private static final long FLUSH_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Fanout fanout;
    private final RedisBrokerStats stats;
    private final ScheduledExecutorService scheduler;
    private final Link<StatefulRedisPubSubConnection<byte[], byte[]>> link;
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    private final String channelPrefix;
    private final byte[] pubsubPrefix;
    private final Supplier<byte[]> probeChannels;
    private final boolean sharded;
    private final Runnable moved;
    /** The probe channel of the current connection (chosen when it came up). */
    private volatile byte[] probeChannel;
    private final Function<byte[], CompletableFuture<?>> publishProbe;
    private final long lingerNanos;
    private final long probeNanos;

    /** The open connection, written under the monitor; null while down. */
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> current;
    private final LinkedHashSet<Channel> toSubscribe = new LinkedHashSet<>();
    private final LinkedHashSet<Channel> toUnsubscribe = new LinkedHashSet<>();
    /** Subscribed channels no longer wanted, in the order their linger ends. */
    private final LinkedHashSet<Channel> lingering = new LinkedHashSet<>();
    private boolean flushScheduled;
    /** The linger sweep and the probe, cancelled on close. */
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();
    private long lastFlushNanos = System.nanoTime() - FLUSH_EVERY_NANOS;
    private boolean everUp;
    private boolean closed;
    /** When anything last came in on the connection (System.nanoTime()). */
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile boolean probing;
    private volatile long probeSentNanos;
    /** Test hook: a connection whose input is ignored, as if it had silently gone stale. */
    private volatile Object deaf;
    /** Test hook: while set, the reader waits for it on its next message, as a reader that stopped reading. */
    private volatile java.util.concurrent.CountDownLatch readerStall;

    /**
     * @param connect      opens a pub/sub connection
     * @param prefix       the key prefix ({@link RedisBrokerConfig#prefix()})
     * @param nodeId       this broker's random id, naming its probe channel
     * @param publishProbe publishes a probe to the given pub/sub channel on the command connection
     */
    PubSub(RedisBrokerConfig config, Supplier<CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>>> connect,
           String nodeId, Fanout fanout, RedisBrokerStats stats, ScheduledExecutorService scheduler,
           Function<byte[], CompletableFuture<?>> publishProbe) {
        this(config, connect, () -> (config.prefix() + ":probe:" + nodeId).getBytes(StandardCharsets.UTF_8), false, () -> { },
                fanout, stats, scheduler, publishProbe);
    }

    /**
     * @param connect       opens a pub/sub connection
     * @param probeChannels the probe channel of a new connection, asked each time one comes up (a
     *                      sharded connection's must be in a slot of its master)
     * @param sharded       SSUBSCRIBE (Redis Cluster's sharded pub/sub) rather than SUBSCRIBE
     * @param moved         told (on a Lettuce or scheduler thread, without the monitor) that channels
     *                      were dropped or refused by the server and wait IDLE for re-homing
     * @param publishProbe  publishes a probe to the given pub/sub channel on the command connection
     */
    PubSub(RedisBrokerConfig config, Supplier<CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>>> connect,
           Supplier<byte[]> probeChannels, boolean sharded, Runnable moved, Fanout fanout, RedisBrokerStats stats,
           ScheduledExecutorService scheduler, Function<byte[], CompletableFuture<?>> publishProbe) {
        this.fanout = fanout;
        this.stats = stats;
        this.scheduler = scheduler;
        this.publishProbe = publishProbe;
        this.channelPrefix = config.prefix() + ":c:{";
        this.pubsubPrefix = channelPrefix.getBytes(StandardCharsets.UTF_8);
        this.probeChannels = probeChannels;
        this.probeChannel = probeChannels.get();
        this.sharded = sharded;
        this.moved = moved;
        this.lingerNanos = config.linger().toNanos();
        this.probeNanos = config.probeInterval().toNanos();
        this.link = new Link<>(() -> connect.get().thenApply(c -> {
            c.addListener(new Receiver(c));
            return c;
        }), c -> c, this::up, scheduler);
    }

    /** Connects in the background and starts the linger sweep and the probe. */
    @Override
    public void start() {
        link.get();
        long sweep = Math.min(1000, Math.max(5, TimeUnit.NANOSECONDS.toMillis(lingerNanos) / 4));
        long probe = Math.max(5, TimeUnit.NANOSECONDS.toMillis(probeNanos) / 4);
        synchronized (this) {
            periodic.add(scheduler.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS));
            periodic.add(scheduler.scheduleWithFixedDelay(this::probe, probe, probe, TimeUnit.MILLISECONDS));
        }
    }

    /** The pub/sub connection: the open one, the attempt in flight, or a recent failure (see {@link Link#get}). */
    @Override
    public CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> connection() {
        return link.get();
    }

    /** The channels the manager holds (any state). */
    @Override
    public Collection<Channel> channels() {
        return channels.values();
    }

    /** The channel named {@code name} when the manager holds it, else null. */
    @Override
    public Channel channel(String name) {
        return channels.get(name);
    }

    /**
     * Subscribes the node to {@code name} on Redis; completes on Redis's confirmation, at once when
     * already subscribed. Never fails by itself: the caller bounds the wait.
     */
    @Override
    public CompletableFuture<Void> subscribe(String name) {
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        synchronized (this) {
            Channel ch = channels.computeIfAbsent(name, n -> new Channel(n,
                    (channelPrefix + n + "}").getBytes(StandardCharsets.UTF_8), fanout.processorOf(n)));
            ch.wanted = true;
            lingering.remove(ch);
            if (ch.state == Channel.State.SUBSCRIBED) {
                if (ch.queued) { // its UNSUBSCRIBE was not sent yet: keep it
                    toUnsubscribe.remove(ch);
                    ch.queued = false;
                }
                return CompletableFuture.completedFuture(null);
            }
            ch.waiters.removeIf(CompletableFuture::isDone);
            ch.waiters.add(confirmed);
            if (ch.state == Channel.State.IDLE && !ch.queued) {
                queue(ch, toSubscribe);
            }
        }
        requestFlush();
        return confirmed;
    }

    /**
     * The node no longer has subscribers for {@code name}: it stays subscribed for the linger, then
     * is unsubscribed (a SUBSCRIBE in flight is confirmed first, then lingers).
     */
    @Override
    public void unsubscribe(String name) {
        boolean flush = false;
        synchronized (this) {
            Channel ch = channels.get(name);
            if (ch == null) {
                return;
            }
            ch.wanted = false;
            if (ch.state == Channel.State.SUBSCRIBED) {
                flush = linger(ch);
            }
        }
        if (flush) {
            requestFlush();
        }
    }

    /** Stops reconnecting and the periodic work; the connection closes with the client. */
    @Override
    public void close() {
        retire(false);
    }

    /** Stops as {@link #close} does, and closes the connection now (a master that no longer serves the node). */
    void retire() {
        retire(true);
    }

    private void retire(boolean closeConnection) {
        StatefulRedisPubSubConnection<byte[], byte[]> c;
        synchronized (this) {
            closed = true;
            c = current;
            current = null;
            periodic.forEach(f -> f.cancel(false));
        }
        link.close();
        if (closeConnection && c != null) {
            c.closeAsync();
        }
    }

    /** Tells the manager a connection was closed (by Redis, the network or a restart). */
    @Override
    public void lost(Object connection) {
        boolean mine;
        synchronized (this) {
            mine = connection == current && current != null;
            if (mine) {
                down();
            }
        }
        link.lost(connection);
    }

    /** Whether the connection is open now. */
    boolean isUp() {
        return current != null;
    }

    /**
     * Takes the channel out of this manager for re-homing on another connection ({@link #adopt}):
     * its delivery state stays in the {@link Channel}; a subscription still held on this connection
     * is dropped (SUNSUBSCRIBE, best effort: messages for it are ignored here from now on).
     */
    void detach(Channel ch) {
        StatefulRedisPubSubConnection<byte[], byte[]> c;
        boolean subscribed;
        synchronized (this) {
            if (channels.get(ch.name) != ch) {
                return;
            }
            channels.remove(ch.name, ch);
            toSubscribe.remove(ch);
            toUnsubscribe.remove(ch);
            lingering.remove(ch);
            subscribed = ch.state == Channel.State.SUBSCRIBED || ch.state == Channel.State.SUBSCRIBING;
            ch.state = Channel.State.IDLE;
            ch.queued = false;
            c = current;
        }
        if (subscribed && c != null) {
            unsubscribeCommand(c, new byte[][] {ch.pubsubName}).exceptionally(e -> failed("re-homing UNSUBSCRIBE", e));
        }
    }

    /**
     * Takes in a channel {@link #detach detached} from another manager: subscribed here when it is
     * wanted or waited for (its waiters complete on this connection's confirmation, which starts
     * its catch-up), else dropped. A channel of the same name already here absorbs its waiters.
     */
    void adopt(Channel ch) {
        synchronized (this) {
            Channel here = channels.putIfAbsent(ch.name, ch);
            if (here != null && here != ch) {
                here.waiters.addAll(ch.waiters);
                ch.removed = true;
                return;
            }
            subscribeAgainOrRemove(ch);
        }
        requestFlush();
    }

    /** Queues again the channels left IDLE by a drop or refusal that this connection still serves. */
    void retryIdle() {
        synchronized (this) {
            for (Channel ch : channels.values()) {
                if (ch.state == Channel.State.IDLE && !ch.queued) {
                    subscribeAgainOrRemove(ch);
                }
            }
        }
        requestFlush();
    }

    /** Test hook: ignores everything the current connection receives, as a silently stale connection would. */
    void deafForTest() {
        deaf = current;
    }

    /**
     * Test hook: the reader blocks on its next message until {@code until} counts down (Redis then
     * sees a client that stopped reading). Production code never blocks the reader.
     */
    void stallReaderForTest(java.util.concurrent.CountDownLatch until) {
        readerStall = until;
    }

    // ---- connection events

    private void up(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
        synchronized (this) {
            if (closed) {
                return;
            }
            current = connection;
            probeChannel = probeChannels.get();
            lastHeardNanos = System.nanoTime();
            probing = false;
            if (everUp) {
                stats.reconnects.increment();
            }
            everUp = true;
        }
        subscribeCommand(connection, new byte[][] {probeChannel}).exceptionally(e -> failed("probe SUBSCRIBE", e));
        requestFlush();
    }

    /** The connection is gone: every channel is IDLE, and the wanted ones are queued to subscribe again. Holds the monitor. */
    private void down() {
        current = null;
        toSubscribe.clear();
        toUnsubscribe.clear();
        lingering.clear();
        for (Channel ch : channels.values()) {
            ch.state = Channel.State.IDLE;
            ch.queued = false;
            ch.waiters.removeIf(CompletableFuture::isDone);
            if (ch.wanted || !ch.waiters.isEmpty()) {
                queue(ch, toSubscribe);
            } else {
                remove(ch);
            }
        }
    }

    private void confirmed(Channel ch) {
        List<CompletableFuture<Void>> waiters;
        boolean flush = false;
        synchronized (this) {
            if (ch.state != Channel.State.SUBSCRIBING) {
                return;
            }
            ch.state = Channel.State.SUBSCRIBED;
            waiters = ch.waiters;
            ch.waiters = new ArrayList<>();
            if (!ch.wanted) {
                flush = linger(ch);
            }
        }
        fanout.confirmed(ch);
        for (CompletableFuture<Void> w : waiters) {
            w.complete(null);
        }
        if (flush) {
            requestFlush();
        }
    }

    private void unconfirmed(Channel ch) {
        boolean flush = false;
        boolean dropped = false;
        synchronized (this) {
            if (ch.state != Channel.State.UNSUBSCRIBING) {
                if (!sharded || ch.state == Channel.State.IDLE) {
                    return;
                }
                ch.state = Channel.State.IDLE; // pushed by the server: the channel's slot left this master
                ch.queued = false;
                toUnsubscribe.remove(ch);
                lingering.remove(ch);
                dropped = true;
            } else {
                ch.state = Channel.State.IDLE;
                ch.waiters.removeIf(CompletableFuture::isDone);
                if (ch.wanted || !ch.waiters.isEmpty()) {
                    queue(ch, toSubscribe); // a subscribe came while the UNSUBSCRIBE was in flight
                    flush = true;
                } else {
                    remove(ch);
                }
            }
        }
        if (dropped) {
                scheduler.execute(moved);
        } else if (flush) {
            requestFlush();
        }
    }

    // ---- under the monitor

    private void queue(Channel ch, LinkedHashSet<Channel> into) {
        ch.queued = true;
        into.add(ch);
    }

    /** An IDLE channel still wanted or waited for is queued to subscribe; otherwise it is dropped. Holds the monitor. */
    private void subscribeAgainOrRemove(Channel ch) {
        ch.waiters.removeIf(CompletableFuture::isDone);
        if (ch.wanted || !ch.waiters.isEmpty()) {
            queue(ch, toSubscribe);
        } else {
            remove(ch);
        }
    }

    /** Starts the linger of a subscribed channel no longer wanted; true when it must be flushed now (no linger). */
    private boolean linger(Channel ch) {
        if (lingerNanos == 0) {
            queue(ch, toUnsubscribe);
            return true;
        }
        ch.lingerUntilNanos = System.nanoTime() + lingerNanos;
        lingering.remove(ch);
        lingering.add(ch);
        return false;
    }

    private void remove(Channel ch) {
        ch.removed = true;
        lingering.remove(ch);
        channels.remove(ch.name, ch);
    }

    // ---- on the scheduler

    private void requestFlush() {
        long delay;
        synchronized (this) {
            if (flushScheduled || closed) {
                return;
            }
            flushScheduled = true;
            delay = Math.max(0, lastFlushNanos + FLUSH_EVERY_NANOS - System.nanoTime());
        }
        try {
            scheduler.schedule(this::flush, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private void flush() {
        StatefulRedisPubSubConnection<byte[], byte[]> c;
        List<byte[][]> subscribes;
        List<byte[][]> unsubscribes;
        synchronized (this) {
            flushScheduled = false;
            lastFlushNanos = System.nanoTime();
            c = current;
            if (c == null || closed) {
                return; // sent when the connection is up again
            }
            subscribes = take(toSubscribe, Channel.State.SUBSCRIBING);
            unsubscribes = take(toUnsubscribe, Channel.State.UNSUBSCRIBING);
        }
        for (byte[][] batch : unsubscribes) {
            unsubscribeCommand(c, batch).exceptionally(e -> failed("UNSUBSCRIBE", e));
        }
        for (byte[][] batch : subscribes) {
            subscribeCommand(c, batch).exceptionally(e -> {
                if (sharded && c == current) {
                    refused(batch); // MOVED: the slot is served elsewhere now
                }
                return failed("SUBSCRIBE", e);
            });
        }
    }

    private CompletableFuture<Void> subscribeCommand(StatefulRedisPubSubConnection<byte[], byte[]> c, byte[][] names) {
        return (sharded ? c.async().ssubscribe(names) : c.async().subscribe(names)).toCompletableFuture();
    }

    private CompletableFuture<Void> unsubscribeCommand(StatefulRedisPubSubConnection<byte[], byte[]> c, byte[][] names) {
        return (sharded ? c.async().sunsubscribe(names) : c.async().unsubscribe(names)).toCompletableFuture();
    }

    /** A sharded SUBSCRIBE was refused: its channels wait IDLE for re-homing. */
    private void refused(byte[][] batch) {
        synchronized (this) {
            for (byte[] name : batch) {
                Channel ch = channels.get(channelOf(name));
                if (ch != null && ch.state == Channel.State.SUBSCRIBING) {
                    ch.state = Channel.State.IDLE;
                    ch.queued = false;
                }
            }
        }
        scheduler.execute(moved);
    }

    private static Void failed(String what, Throwable e) {
        log.debug("{} failed (the connection is being replaced)", what, e);
        return null;
    }

    /**
     * Moves the queued channels to {@code state}, in batches of at most {@value #BATCH} names (of
     * one hash slot each when sharded). Holds the monitor.
     */
    private List<byte[][]> take(LinkedHashSet<Channel> queued, Channel.State state) {
        List<byte[][]> batches = new ArrayList<>();
        Map<Integer, List<byte[]>> open = new HashMap<>();
        for (Channel ch : queued) {
            ch.queued = false;
            ch.state = state;
            List<byte[]> batch = open.computeIfAbsent(sharded ? SlotHash.getSlot(ch.pubsubName) : 0, k -> new ArrayList<>());
            batch.add(ch.pubsubName);
            if (batch.size() == BATCH) {
                batches.add(batch.toArray(byte[][]::new));
                batch.clear();
            }
        }
        for (List<byte[]> batch : open.values()) {
            if (!batch.isEmpty()) {
                batches.add(batch.toArray(byte[][]::new));
            }
        }
        queued.clear();
        return batches;
    }

    /** Queues the UNSUBSCRIBE of channels whose linger ended. */
    private void sweep() {
        boolean any = false;
        synchronized (this) {
            long now = System.nanoTime();
            for (Iterator<Channel> it = lingering.iterator(); it.hasNext(); ) {
                Channel ch = it.next();
                if (ch.wanted || ch.state != Channel.State.SUBSCRIBED) {
                    it.remove();
                    continue;
                }
                if (now - ch.lingerUntilNanos < 0) {
                    break; // the rest end later
                }
                it.remove();
                queue(ch, toUnsubscribe);
                any = true;
            }
        }
        if (any) {
            requestFlush();
        }
    }

    /** Probes a silent connection; restarts one whose probe did not come back in time. */
    private void probe() {
        StatefulRedisPubSubConnection<byte[], byte[]> c = current;
        if (c == null) {
            return;
        }
        long now = System.nanoTime();
        if (probing) {
            if (now - probeSentNanos >= probeNanos) {
                probing = false;
                stats.probeRestarts.increment();
                log.warn("the pub/sub connection did not deliver its probe within {} ms: restarting it",
                        TimeUnit.NANOSECONDS.toMillis(probeNanos));
                lost(c);
            }
            return;
        }
        if (now - lastHeardNanos >= probeNanos) {
            probeSentNanos = now;
            probing = true;
            publishProbe.apply(probeChannel).whenComplete((ok, error) -> {
                if (error != null) {
                    probing = false; // the command connection is down: no verdict on this one
                }
            });
        }
    }

    /** The Herald channel of a pub/sub channel name, or null when it is not one of this prefix's. */
    private String channelOf(byte[] pubsubChannel) {
        int n = pubsubPrefix.length;
        if (pubsubChannel.length < n + 2 || pubsubChannel[pubsubChannel.length - 1] != '}'
                || !Arrays.equals(pubsubChannel, 0, n, pubsubPrefix, 0, n)) {
            return null;
        }
        return new String(pubsubChannel, n, pubsubChannel.length - n - 1, StandardCharsets.UTF_8);
    }

    /**
     * One connection's listener, on its Netty thread: parses only the channel name, then hands the
     * message to the channel's processor (never blocking) or the confirmation to the manager.
     * Ignores a connection that is no longer the current one.
     */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        private final StatefulRedisPubSubConnection<byte[], byte[]> connection;

        Receiver(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
            this.connection = connection;
        }

        /** The channel a reply concerns, or null when it is not for the current connection or not a channel of ours. */
        private Channel heard(byte[] pubsubChannel) {
            if (connection != current || connection == deaf) {
                return null;
            }
            lastHeardNanos = System.nanoTime();
            String name = channelOf(pubsubChannel);
            if (name == null) {
                if (Arrays.equals(pubsubChannel, probeChannel)) {
                    probing = false;
                }
                return null;
            }
            return channels.get(name);
        }

        @Override
        public void message(byte[] channel, byte[] message) {
            java.util.concurrent.CountDownLatch stall = readerStall;
            if (stall != null) {
                readerStall = null;
                try {
                    stall.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Channel ch = heard(channel);
            if (ch != null && ch.state != Channel.State.IDLE) {
                fanout.message(ch, message);
            }
        }

        @Override
        public void subscribed(byte[] channel, long count) {
            Channel ch = heard(channel);
            if (ch != null) {
                confirmed(ch);
            }
        }

        @Override
        public void unsubscribed(byte[] channel, long count) {
            Channel ch = heard(channel);
            if (ch != null) {
                unconfirmed(ch);
            }
        }

        @Override
        public void smessage(byte[] channel, byte[] message) {
            message(channel, message);
        }

        @Override
        public void ssubscribed(byte[] channel, long count) {
            subscribed(channel, count);
        }

        @Override
        public void sunsubscribed(byte[] channel, long count) {
            unsubscribed(channel, count);
        }
    }
}
