package io.herald.core.hub;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Names;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerListener;
import io.herald.core.auth.Principal;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceListener;
import io.herald.core.presence.PresenceStore;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local index of channel → subscriptions, and the fan-out of publications to them.
 *
 * <p>Each channel's subscriptions are a copy-on-write array, so fan-out iterates without locks;
 * adding or removing copies it. The hub asks the broker to {@link Broker#subscribe subscribe} to a
 * channel when its first subscription arrives and to unsubscribe after its last leaves, each after
 * the channel's previous one completed, so the broker sees them in order; every
 * subscribe of the channel waits for the broker's confirmation before it reads history, so none can
 * miss a publication another node made meanwhile.
 *
 * <p>Fan-out never blocks and never does I/O: it offers each publication to every subscription
 * (each session's {@link Delivery} queues it, or hands it straight to an idle drain), collects the
 * drains it started in a {@link DrainBatch} that hands them to each executor in chunks, and counts
 * what it queued into the node's {@link Backlog} once.
 *
 * <p>Presence (docs/protocol.md, "Presence"): when a subscription of a namespace with
 * {@code presence} or {@code join-leave} becomes live, the hub adds its entry to the broker's
 * {@link PresenceStore} and announces its join; when it ends, removes the entry and announces the
 * leave. A channel of a {@code join-leave} namespace is {@link PresenceStore#watch watched} while it
 * has subscribers here, and the events that arrive are sent to its live subscriptions. Thread-safe.
 */
public final class Hub implements BrokerListener, PresenceListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    private static final Subscription[] NONE = new Subscription[0];
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final long PRESENCE_WARNING_EVERY_NANOS = 10_000_000_000L;

    private final ConcurrentHashMap<String, Subscription[]> channels = new ConcurrentHashMap<>();
    /**
     * Per channel with subscribers, the broker's subscribe: completes once the broker confirmed it.
     * Added and removed with the channel's entry in {@link #channels}, under its lock.
     */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> brokerSubscribed = new ConcurrentHashMap<>();
    /**
     * Per channel, the last broker subscribe or unsubscribe asked for, until it completed. The next
     * one waits for it, so the broker gets them in the order the channel's entry in
     * {@link #channels} changed: an unsubscribe that overtook the subscribe after it would leave this
     * node deaf to a channel it has subscribers for (or subscribed to one it has none for). Replaced
     * under the channel's lock in {@link #channels}.
     */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> brokerLast = new ConcurrentHashMap<>();
    /** Channels whose join and leave events this node watches; changed with {@link #channels}, under its lock. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final Broker broker;
    private final PresenceStore presence;
    private final Backlog backlog;
    /** Spreads the 4001s of streams lost live over the node's reset spread (one scheduler thread). */
    private final ResetSpread resets;
    /** This node's part of client ids: random, so ids are unique across the nodes of a deployment. */
    private final String nodeId;

    /**
     * A hub that disconnects the subscribers of a stream lost live at once (no reset spread).
     *
     * @param broker  the broker to subscribe channels on
     * @param backlog the node's backlog, which each fan-out counts what it queued into
     */
    public Hub(Broker broker, Backlog backlog) {
        this(broker, backlog, java.time.Duration.ZERO);
    }

    /**
     * @param broker      the broker to subscribe channels on
     * @param backlog     the node's backlog, which each fan-out counts what it queued into
     * @param resetSpread the window over which the {@code 4001}s of a stream lost live are spread
     *                    ({@link io.herald.core.NodeConfig#resetSpread()}); zero for at once. The
     *                    hub then owns a scheduler thread, stopped by {@link #close}
     */
    public Hub(Broker broker, Backlog backlog, java.time.Duration resetSpread) {
        this.broker = broker;
        this.resets = new ResetSpread(resetSpread);
        this.presence = broker.presence();
        this.backlog = backlog;
        char[] id = new char[8];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        this.nodeId = new String(id);
    }

    /**
     * The client id of {@code session} in presence: {@code NODE-SESSION}, unique across the nodes of
     * a deployment (docs/protocol.md, "Presence").
     */
    public String clientId(Session session) {
        return nodeId + "-" + session.id();
    }

    /** The presence entry of {@code session}: its client id, and the user id of a user token. */
    ClientInfo clientInfo(Session session) {
        Principal who = session.principal();
        return new ClientInfo(clientId(session), who.kind() == Principal.Kind.USER ? who.subject() : null);
    }

    /** Sends a join or leave event of a watched channel to the channel's live subscriptions on this node. */
    @Override
    public void onPresenceEvent(PresenceEvent event) {
        for (Subscription sub : channels.getOrDefault(event.channel(), NONE)) {
            sub.onPresenceEvent(event);
        }
    }

    /** When a presence failure was last logged ({@link System#nanoTime()}), and how many were not since. */
    private static final AtomicLong LAST_PRESENCE_WARNING = new AtomicLong(
            System.nanoTime() - 2 * PRESENCE_WARNING_EVERY_NANOS);
    private static final AtomicLong UNLOGGED_PRESENCE_FAILURES = new AtomicLong();

    /**
     * Logs the failure of a presence operation, which never fails the subscription it is about: at
     * most one line per 10 s with the count of those not logged, so a store that is down (or one
     * closing under thousands of sessions) does not flood the log.
     */
    static void logFailure(CompletableFuture<Void> operation, String what, String channel) {
        operation.exceptionally(e -> {
            long now = System.nanoTime();
            long last = LAST_PRESENCE_WARNING.get();
            if (now - last >= PRESENCE_WARNING_EVERY_NANOS && LAST_PRESENCE_WARNING.compareAndSet(last, now)) {
                long more = UNLOGGED_PRESENCE_FAILURES.getAndSet(0);
                log.warn("{} on {} failed: {}{}", what, channel, e.getMessage(),
                        more == 0 ? "" : " (and " + more + " other presence operations since the last such warning)");
            } else {
                UNLOGGED_PRESENCE_FAILURES.incrementAndGet();
            }
            return null;
        });
    }

    @Override
    public void onPublication(Publication publication) {
        Subscription[] subs = channels.getOrDefault(publication.channel(), NONE);
        if (subs.length == 0) {
            return;
        }
        // one clock reading per publication, not per subscriber (sessions use it for the write delay)
        long now = System.nanoTime();
        // the drains this starts go to the event loops in chunks, not one task per subscriber
        DrainBatch batch = new DrainBatch(backlog);
        try {
            for (Subscription sub : subs) {
                sub.onPublication(publication, now, batch, resets);
            }
        } finally {
            batch.finish();
        }
    }

    /**
     * Disconnects every subscription of {@code channel} on this node with
     * {@link io.herald.core.Disconnect#INSUFFICIENT_STATE}: the broker found the channel's stream
     * lost (see {@link BrokerListener#onStreamLost}), so the clients resume and get a reset. Each
     * subscription stops forwarding at once; its session's disconnect comes after a random delay
     * within the reset spread (see {@link ResetSpread}), so they do not all resume at once.
     */
    @Override
    public void onStreamLost(String channel) {
        for (Subscription sub : channels.getOrDefault(channel, NONE)) {
            sub.lost(resets);
        }
    }

    /** The spread resets scheduled and not yet run (sessions waiting for their 4001). */
    public int pendingResets() {
        return resets.pending();
    }

    /** Stops the reset scheduler: the resets still pending are dropped (the node is closing its sessions). */
    @Override
    public void close() {
        resets.close();
    }

    /**
     * Subscribes {@code session} to {@code channel} from {@code since}, closing the race between
     * history and live publications: the subscription is registered for live publications first
     * (buffering them), the broker is subscribed when the channel is new on this node, history is
     * read, and {@link Recovery} merges the two. The session then receives a {@link Subscribed}
     * notice followed by the recovered and live publications, in offset order.
     *
     * @param session the subscribing session
     * @param channel a valid channel name
     * @param since   the position to resume after, or null for live publications only
     * @param options the channel's namespace options
     * @return the notice once recovery is done; fails with {@link HeraldException}
     *         ({@code already_subscribed}) when the session already has this channel, or with the
     *         broker's error (the subscription is then removed)
     */
    public CompletableFuture<Subscribed> subscribe(Session session, String channel, StreamPosition since,
                                                   NamespaceOptions options) {
        Subscription sub = session.addSubscription(channel);
        if (sub == null) {
            return CompletableFuture.failedFuture(new HeraldException(ErrorCode.ALREADY_SUBSCRIBED,
                    "channel " + Names.quote(channel) + " is already subscribed on this session"));
        }
        sub.conflation = options.conflation();
        sub.writeDelay(options.writeDelay().toNanos());
        CompletableFuture<Void> ready = add(sub, options);
        if (session.isClosed()) {
            // The session ended while we registered: its cleanup may have missed this subscription.
            remove(sub);
            return CompletableFuture.completedFuture(null);
        }
        int limit = since == null ? 0 : Integer.MAX_VALUE;
        return ready.thenCompose(v -> broker.history(channel, since, limit, options))
                .thenCompose(history -> {
                    // A position of a replaced stream: when the new one is whole, read it from its start.
                    StreamPosition restart = Recovery.newStreamStart(since, history);
                    return restart == null ? CompletableFuture.completedFuture(sub.recovered(since, history))
                            : broker.history(channel, restart, limit, options).thenApply(h -> sub.recovered(since, restart, h));
                })
                .thenApply(notice -> {
                    if (notice != null && (options.presence() || options.joinLeave())) {
                        sub.join(clientInfo(session), options, presence);
                    }
                    return notice;
                })
                .whenComplete((notice, error) -> {
                    if (error != null) {
                        session.removeSubscription(channel);
                        remove(sub);
                    }
                });
    }

    /**
     * Ends {@code session}'s subscription to {@code channel}.
     *
     * @return false when there was none
     */
    public boolean unsubscribe(Session session, String channel) {
        Subscription sub = session.removeSubscription(channel);
        if (sub == null) {
            return false;
        }
        remove(sub);
        return true;
    }

    /** Removes every subscription of a session that ended; called from its close callback. */
    public void removeAll(Session session) {
        for (Subscription sub : session.subscriptions()) {
            remove(sub);
        }
    }

    /**
     * Registers {@code sub} for live publications of its channel; when it is the channel's first
     * subscription on this node, subscribes the broker to the channel.
     *
     * @param options the channel's namespace options: with {@code join-leave}, the channel's events
     *                are also watched, and the result waits for that too
     * @return the broker's subscribe of the channel, which completes once the broker confirmed it
     *         (the caller reads history only then)
     */
    CompletableFuture<Void> add(Subscription sub, NamespaceOptions options) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] ready = new CompletableFuture[2];
        boolean[] first = {false};
        channels.compute(sub.channel(), (channel, subs) -> {
            if (subs == null) {
                first[0] = true;
                ready[0] = new CompletableFuture<>();
                brokerSubscribed.put(channel, ready[0]);
                ready[1] = brokerLast.put(channel, ready[0]);
                if (options.joinLeave()) {
                    watched.add(channel);
                }
                return new Subscription[] {sub};
            }
            ready[0] = brokerSubscribed.get(channel);
            Subscription[] grown = Arrays.copyOf(subs, subs.length + 1);
            grown[subs.length] = sub;
            return grown;
        });
        subscriptions.incrementAndGet();
        sub.session().counts().subscriptionAdded();
        if (first[0]) {
            boolean joinLeave = options.joinLeave();
            afterPrevious(ready[1], sub.channel(), ready[0], channel -> joinLeave
                    ? broker.subscribe(channel).thenCombine(presence.watch(channel), (a, b) -> null)
                    : broker.subscribe(channel));
        }
        return ready[0];
    }

    /** Unregisters {@code sub}; unsubscribes the broker when it was the channel's last. */
    void remove(Subscription sub) {
        boolean[] removed = {false};
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] unsubscribe = new CompletableFuture[2];
        boolean[] unwatch = {false};
        Subscription[] after = channels.computeIfPresent(sub.channel(), (channel, subs) -> {
            int i = indexOf(subs, sub);
            if (i < 0) {
                return subs;
            }
            removed[0] = true;
            if (subs.length == 1) {
                brokerSubscribed.remove(channel);
                unsubscribe[0] = new CompletableFuture<>();
                unsubscribe[1] = brokerLast.put(channel, unsubscribe[0]);
                unwatch[0] = watched.remove(channel);
                return null;
            }
            Subscription[] shrunk = new Subscription[subs.length - 1];
            System.arraycopy(subs, 0, shrunk, 0, i);
            System.arraycopy(subs, i + 1, shrunk, i, subs.length - i - 1);
            return shrunk;
        });
        sub.leave(presence);
        if (removed[0]) {
            subscriptions.decrementAndGet();
            sub.session().counts().subscriptionRemoved();
            if (after == null) {
                afterPrevious(unsubscribe[1], sub.channel(), unsubscribe[0], broker::unsubscribe);
                unsubscribe[0].exceptionally(e -> {
                    log.warn("broker unsubscribe from {} failed", sub.channel(), e);
                    return null;
                });
                if (unwatch[0]) {
                    logFailure(presence.unwatch(sub.channel()), "presence unwatch", sub.channel());
                }
            }
        }
    }

    /**
     * Asks the broker {@code call} of {@code channel} once {@code previous} (the channel's last
     * broker operation, or null) completed, however it did; completes {@code done} as the call does.
     */
    private void afterPrevious(CompletableFuture<Void> previous, String channel, CompletableFuture<Void> done,
                               java.util.function.Function<String, CompletableFuture<Void>> call) {
        Runnable ask = () -> asked(call, channel).whenComplete((v, error) -> {
            brokerLast.remove(channel, done);
            if (error == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(error);
            }
        });
        if (previous == null || previous.isDone()) {
            ask.run();
        } else {
            previous.whenComplete((v, error) -> ask.run());
        }
    }

    /** {@code call} of {@code channel}; a broker that throws instead of failing the future fails it. */
    private static CompletableFuture<Void> asked(java.util.function.Function<String, CompletableFuture<Void>> call, String channel) {
        try {
            return call.apply(channel);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The number of subscriptions on this node, across channels. */
    public int subscriptionCount() {
        return subscriptions.get();
    }

    /** The number of subscribers of {@code channel} on this node. */
    public int subscriberCount(String channel) {
        return channels.getOrDefault(channel, NONE).length;
    }

    /** The number of channels with at least one subscriber on this node. */
    public int channelCount() {
        return channels.size();
    }

    private static int indexOf(Subscription[] subs, Subscription sub) {
        for (int i = 0; i < subs.length; i++) {
            if (subs[i] == sub) {
                return i;
            }
        }
        return -1;
    }
}
