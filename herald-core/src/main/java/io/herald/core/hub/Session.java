package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A logical client on this node: its subscriptions, its bounded {@link OutboundQueue}, and the
 * {@link Transport} that writes to it.
 *
 * <p>Pushes are queued by any thread ({@link #send}) and written by one drain loop on the
 * transport's executor, which writes everything queued while the connection is writable and then
 * flushes once: one flush per event-loop turn, however many publications arrived. A client that
 * reads too slowly fills its queue and is disconnected with {@link Disconnect#SLOW}; it resumes
 * from the last id it received. Created by {@link io.herald.core.Node#newSession}. Thread-safe.
 *
 * <p><b>Coalescing.</b> With a budget {@code coalesceNanos > 0}, a push that arrives less than the
 * budget after the session's last flush does not start a drain at once: the drain is handed to
 * {@link Transport#executeCoalesced}, which runs it within the budget, so that the publications
 * arriving meanwhile leave in the same write. A push after a quiet spell longer than the budget
 * is drained at once: coalescing adds no latency at low rates, at most the budget at high rates,
 * and never changes order (one queue, one drain).
 */
public final class Session {
    private static final AtomicLong IDS = new AtomicLong();
    // The per-delivery state lives in this object's own fields (updated through field updaters), not
    // in separate atomic objects: a fan-out to thousands of sessions touches one cache line less
    // per object per delivery.
    private static final AtomicIntegerFieldUpdater<Session> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "wip");
    private static final AtomicIntegerFieldUpdater<Session> DISCONNECTING =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "disconnecting");
    private static final AtomicIntegerFieldUpdater<Session> CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "closed");
    private static final AtomicReferenceFieldUpdater<Session, Push> HEAD =
            AtomicReferenceFieldUpdater.newUpdater(Session.class, Push.class, "head");

    private final long id = IDS.incrementAndGet();
    private final Transport transport;
    private final OutboundQueue queue;
    private final Consumer<Session> onClosed;
    private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>(4);
    /** Drain requests not yet served: the drain runs while it is above 0 (see {@link #drain}). */
    private volatile int wip;
    /** 1 once {@link #disconnect} started: nothing more is queued (a drain already due still runs). */
    private volatile int disconnecting;
    /** 1 once {@link #onClosed} ran. */
    private volatile int closed;
    /**
     * A push handed over by a fan-out that found the session idle (nothing queued, no drain
     * pending): it is written before anything in the queue, without passing through the queue. Set
     * only by the thread that took {@link #wip} from 0 to 1; taken ({@code getAndSet(null)}) by the
     * drain that writes it or by whichever of the drain and {@link #onClosed} drops it, so it is
     * counted out of the backlog exactly once.
     */
    private volatile Push head;
    private final Runnable drain = this::drain;
    private volatile Disconnect disconnectReason;
    private final long coalesceNanos;
    private final LongAdder backlog;
    /** When the drain last flushed ({@link System#nanoTime()}); written by the drain, read by {@link #send}. */
    private volatile long lastFlushNanos;

    /**
     * @param transport     the wire side
     * @param queueMaxBytes the outbound queue bound in bytes
     * @param onClosed      called once when the session ends, before its subscriptions are forgotten
     *                      (it removes them from the hub)
     */
    public Session(Transport transport, long queueMaxBytes, Consumer<Session> onClosed) {
        this(transport, queueMaxBytes, 0, new LongAdder(), onClosed);
    }

    /**
     * @param transport     the wire side
     * @param queueMaxBytes the outbound queue bound in bytes
     * @param coalesceNanos the coalescing budget: how long a drain may wait for more pushes when
     *                      the session flushed recently; 0 drains at once
     * @param backlog       the node's count of pushes queued in all sessions: this session adds what it
     *                      queues and subtracts what it writes or drops
     * @param onClosed      called once when the session ends, before its subscriptions are forgotten
     */
    public Session(Transport transport, long queueMaxBytes, long coalesceNanos, LongAdder backlog,
                   Consumer<Session> onClosed) {
        if (coalesceNanos < 0) {
            throw new IllegalArgumentException("coalesceNanos: " + coalesceNanos + " (expected: >= 0)");
        }
        this.transport = transport;
        this.queue = new OutboundQueue(queueMaxBytes);
        this.onClosed = onClosed;
        this.coalesceNanos = coalesceNanos;
        this.backlog = backlog;
        this.lastFlushNanos = System.nanoTime() - coalesceNanos;
    }

    /** A number unique in this process, for logs. */
    public long id() {
        return id;
    }

    /** The transport this session writes to. */
    public Transport transport() {
        return transport;
    }

    /** The outbound queue (its size is a metric). */
    public OutboundQueue queue() {
        return queue;
    }

    /**
     * Queues {@code push} for the client and schedules a drain. Never blocks.
     *
     * @return false when the session is closed, or when the queue is full, in which case the
     *         session disconnects with {@link Disconnect#SLOW}
     */
    public boolean send(Push push) {
        return send(push, coalesceNanos > 0 ? System.nanoTime() : 0, null);
    }

    /**
     * {@link #send(Push)} with the current {@link System#nanoTime()} read by the caller, so that a
     * fan-out reads the clock once per publication, not once per subscriber, and with the fan-out's
     * {@link DrainBatch} (or null), which collects the drains this push starts so that they run as
     * one task per executor once the fan-out is over, instead of one task per session.
     */
    boolean send(Push push, long nowNanos, DrainBatch batch) {
        if (closed != 0 || disconnecting != 0) {
            return false;
        }
        if (batch != null && wip == 0 && head == null && queue.isEmpty()
                && (coalesceNanos == 0 || nowNanos - lastFlushNanos >= coalesceNanos)
                && push.estimatedSize() <= queue.maxBytes() && WIP.compareAndSet(this, 0, 1)) {
            // Idle session: the push goes to the drain directly, past the queue (two cache misses
            // and an allocation less per delivery). The batch always runs the drain, which writes
            // it, or drops it when the session closed meanwhile.
            head = push;
            backlog.increment();
            batch.add(this);
            return true;
        }
        if (!queue.offer(push)) {
            disconnect(Disconnect.SLOW);
            return false;
        }
        backlog.increment();
        if (closed != 0) {
            // onClosed may have cleared the queue before this push was in it
            backlog.add(-queue.clear());
            return false;
        }
        if (WIP.getAndIncrement(this) == 0) {
            try {
                if (coalesceNanos > 0 && nowNanos - lastFlushNanos < coalesceNanos) {
                    transport.executeCoalesced(drain, coalesceNanos);
                } else if (batch != null) {
                    batch.add(this);
                } else {
                    transport.executor().execute(drain);
                }
            } catch (RejectedExecutionException e) {
                onClosed();
            }
        }
        return true;
    }

    /**
     * The drain a {@link DrainBatch} took on could not be handed to the executor (it is shutting
     * down): the session ends, and the push handed over directly is dropped with the queue.
     */
    void drainRejected() {
        onClosed();
        dropHead();
    }

    /** Drops the push handed over directly, if any, counting it out of the backlog. */
    private void dropHead() {
        if (HEAD.getAndSet(this, null) != null) {
            backlog.decrement();
        }
    }

    /** Called by the transport, on its executor, when the connection became writable again. */
    public void onWritable() {
        if ((head != null || !queue.isEmpty()) && WIP.getAndIncrement(this) == 0) {
            drain();
        }
    }

    /**
     * Writes everything queued while the connection is writable, then flushes once; runs on the
     * transport's executor, with {@link #wip} above 0.
     */
    void drain() {
        int missed = 1;
        for (;;) {
            int wrote = 0;
            Push push;
            if (head != null) {
                if (closed != 0) {
                    dropHead();
                } else if (transport.writable() && (push = HEAD.getAndSet(this, null)) != null) {
                    transport.write(push instanceof Recovered r ? r.publication() : push);
                    wrote++;
                }
            }
            while (head == null && closed == 0 && transport.writable() && (push = queue.poll()) != null) {
                transport.write(push instanceof Recovered r ? r.publication() : push);
                wrote++;
            }
            if (wrote > 0) {
                backlog.add(-wrote);
                transport.flush();
                if (coalesceNanos > 0) {
                    lastFlushNanos = transport.clockNanos();
                }
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /**
     * Ends the session from the server side: the transport tells the client {@code reason} where
     * its wire format can and closes. Idempotent; any thread; never does I/O on the caller's thread
     * beyond what the transport schedules.
     */
    public void disconnect(Disconnect reason) {
        if (DISCONNECTING.compareAndSet(this, 0, 1)) {
            disconnectReason = reason;
            transport.close(reason);
        }
    }

    /** Why the server ended this session, or null when it has not (the client went away, or not yet). */
    public Disconnect disconnectReason() {
        return disconnectReason;
    }

    /**
     * Called by the transport once the connection is gone: removes every subscription from the hub
     * and drops the queue. Idempotent; any thread.
     */
    public void onClosed() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            for (Subscription sub : subscriptions.values()) {
                sub.close();
            }
            onClosed.accept(this);
            subscriptions.clear();
            backlog.add(-queue.clear());
            dropHead();
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
    Subscription addSubscription(String channel, Object tag) {
        Subscription sub = new Subscription(this, channel, tag);
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
