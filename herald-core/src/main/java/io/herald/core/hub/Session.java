package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import io.herald.core.auth.Principal;
import java.util.function.Consumer;

/**
 * A logical client on this node: its subscriptions, its lifecycle (live, disconnecting, closed)
 * and the {@link Delivery} that writes its pushes to its {@link Transport}.
 *
 * <p>Pushes are offered by any thread ({@link #send}) and written by the delivery on the transport's
 * executor (see {@link Delivery} for the drain, the bounded queue and the write delay). A client that
 * reads too slowly fills its queue and is disconnected with {@link Disconnect#SLOW}; it resumes from
 * the last id it received. Created by {@link io.herald.core.Node#newSession}. Thread-safe.
 */
public final class Session {
    private static final AtomicLong IDS = new AtomicLong();
    private static final AtomicIntegerFieldUpdater<Session> DISCONNECTING =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "disconnecting");
    private static final AtomicIntegerFieldUpdater<Session> CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "closed");

    private final long id = IDS.incrementAndGet();
    private final Transport transport;
    private final Delivery delivery;
    private final Consumer<Session> onClosed;
    private final TransportStats.Counts counts;
    private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>(4);
    /** 1 once {@link #disconnect} started: nothing more is offered (a drain already due still runs). */
    private volatile int disconnecting;
    /** 1 once {@link #onClosed} ran. */
    private volatile int closed;
    private volatile Disconnect disconnectReason;
    /**
     * The spread reset waiting to disconnect this session ({@link ResetSpread}), cancelled when it
     * closes first; null when none. Guarded by {@link #subscriptions}' monitor (a rare path).
     */
    private java.util.concurrent.Future<?> pendingReset;
    /** Who the client is; set by its transport when it presents a credential. */
    private volatile Principal principal = Principal.ANONYMOUS;

    /**
     * @param transport     the wire side
     * @param queueMaxBytes the outbound queue bound in bytes
     * @param coalesceNanos the write delay of pushes sent with {@link #send(Push)}, in nanoseconds (see
     *                      {@link Delivery}); 0 drains at once. A subscription's pushes have their
     *                      namespace's ({@link io.herald.core.NamespaceOptions#writeDelay()})
     * @param backlog       the node's backlog, kept counted by this session's delivery
     * @param counts        its transport's counts on the node, which this session, its
     *                      subscriptions and its delivery keep counted
     * @param onClosed      called once when the session ends, before its subscriptions are forgotten
     *                      (it removes them from the hub)
     * @throws IllegalArgumentException for a bound {@code <= 0} or a negative budget
     */
    public Session(Transport transport, long queueMaxBytes, long coalesceNanos, Backlog backlog,
                   TransportStats.Counts counts, Consumer<Session> onClosed) {
        this.transport = transport;
        this.counts = counts;
        this.delivery = new Delivery(this, transport, queueMaxBytes, coalesceNanos, backlog, counts);
        this.onClosed = onClosed;
        counts.sessionOpened();
    }

    /**
     * Who the client is, as its transport established it ({@link Principal#ANONYMOUS} until then):
     * what {@link io.herald.core.Node#subscribe} and client publications are checked against.
     */
    public Principal principal() {
        return principal;
    }

    /**
     * Sets who the client is: on connect, or when it refreshes its token in place. Any thread; takes
     * effect for the next subscription or publication (existing subscriptions stay).
     */
    public void principal(Principal principal) {
        this.principal = java.util.Objects.requireNonNull(principal, "principal");
    }

    /** A number unique in this process, for logs. */
    public long id() {
        return id;
    }

    /** The transport this session writes to. */
    public Transport transport() {
        return transport;
    }

    /** The outbound queue bound in bytes. */
    public long queueMaxBytes() {
        return delivery.maxBytes();
    }

    /** Bytes waiting in the outbound queue now (estimate). */
    public long queuedBytes() {
        return delivery.queuedBytes();
    }

    Delivery delivery() {
        return delivery;
    }

    /** Its transport's counts on the node. */
    TransportStats.Counts counts() {
        return counts;
    }

    /**
     * Queues {@code push} for the client and makes sure it will be written. Never blocks.
     *
     * @return false when the session is closed or disconnecting, or when the queue is full, in which
     *         case the session disconnects with {@link Disconnect#SLOW}
     */
    public boolean send(Push push) {
        return send(push, delivery.budgetNanos());
    }

    /** {@link #send(Push)} with the write delay {@code budgetNanos} (a subscription's namespace's). */
    boolean send(Push push, long budgetNanos) {
        return send(push, false, budgetNanos, delivery.coalesces() ? System.nanoTime() : 0, null);
    }

    /**
     * {@link #send(Push)} from a fan-out: with the {@link System#nanoTime()} it read once per
     * publication, and with its {@link DrainBatch}, which collects the drain this push starts.
     *
     * @param conflate    whether the push is of a channel whose namespace has {@code conflation} on
     *                    (docs/protocol.md, "Conflation"; see {@link Delivery#offer})
     * @param budgetNanos the write delay of the push's namespace (docs/protocol.md, "Write delay")
     */
    boolean send(Push push, boolean conflate, long budgetNanos, long nowNanos, DrainBatch batch) {
        if (closed != 0 || disconnecting != 0) {
            return false;
        }
        switch (delivery.offer(push, conflate, budgetNanos, nowNanos, batch)) {
            case ACCEPTED:
                return true;
            case FULL:
                disconnect(Disconnect.SLOW);
                return false;
            case REJECTED:
                onClosed();
                return false;
            default:
                return false;
        }
    }

    /**
     * Schedules this session's spread reset with {@code scheduler} unless one is pending or the
     * session closed: at most one task per session, cancelled by {@link #onClosed}.
     */
    void resetPending(ResetSpread.Scheduler scheduler) {
        synchronized (subscriptions) {
            if (pendingReset != null || closed != 0) {
                return;
            }
            pendingReset = scheduler.schedule();
        }
    }

    /** Whether a spread reset is waiting to disconnect this session (for tests). */
    boolean hasPendingReset() {
        synchronized (subscriptions) {
            return pendingReset != null && !pendingReset.isDone();
        }
    }

    /** Called by the transport, on its executor, when the connection became writable again. */
    public void onWritable() {
        delivery.onWritable();
    }

    /**
     * Ends the session from the server side: the transport tells the client {@code reason} where
     * its wire format can and closes. Publications held for the write delay (docs/protocol.md,
     * "Write delay") are written first, so a client told to go sees everything queued for it before
     * the goodbye. Idempotent; any thread; never does I/O on the caller's thread beyond what the
     * transport schedules.
     */
    public void disconnect(Disconnect reason) {
        if (DISCONNECTING.compareAndSet(this, 0, 1)) {
            disconnectReason = reason;
            if (delivery.isHeld()) {
                try {
                    delivery.executor().execute(() -> {
                        delivery.drainHeldNow();
                        transport.close(reason);
                    });
                    return;
                } catch (RejectedExecutionException e) {
                    // the executor is shutting down: close without the held publications
                }
            }
            transport.close(reason);
        }
    }

    /** Why the server ended this session, or null when it has not (the client went away, or not yet). */
    public Disconnect disconnectReason() {
        return disconnectReason;
    }

    /**
     * Called by the transport once the connection is gone: removes every subscription from the hub
     * and drops what is queued. Idempotent; any thread.
     */
    public void onClosed() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            synchronized (subscriptions) {
                if (pendingReset != null) {
                    pendingReset.cancel(false);
                }
            }
            for (Subscription sub : subscriptions.values()) {
                sub.close();
            }
            onClosed.accept(this);
            subscriptions.clear();
            delivery.close();
            counts.sessionClosed();
        }
    }

    /** Whether the session has ended. */
    public boolean isClosed() {
        return closed != 0;
    }

    /** The subscriptions, a live unmodifiable view. */
    public Collection<Subscription> subscriptions() {
        return Collections.unmodifiableCollection(subscriptions.values());
    }

    /** The subscription to {@code channel}, or null. */
    public Subscription subscription(String channel) {
        return subscriptions.get(channel);
    }

    /** Adds a subscription unless one to the channel exists; returns it, or null when one existed. */
    Subscription addSubscription(String channel) {
        Subscription sub = new Subscription(this, channel);
        return subscriptions.putIfAbsent(channel, sub) == null ? sub : null;
    }

    /** Removes the subscription to {@code channel}; returns it, or null when there was none. */
    Subscription removeSubscription(String channel) {
        Subscription sub = subscriptions.remove(channel);
        if (sub != null) {
            sub.close();
        }
        return sub;
    }

    @Override
    public String toString() {
        return "Session[" + id + " " + transport.name() + "]";
    }
}
