package io.herald.core.hub;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.presence.PresenceEvent;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery of one session's pushes to its {@link Transport}: the bounded {@link OutboundQueue},
 * the drain that writes it, when that drain runs, and the node's {@link Backlog} accounting.
 *
 * <p><b>The drain.</b> Pushes are offered by any thread and written by one drain at a time on the
 * transport's executor: it writes everything queued while the connection is writable, then flushes
 * once, so a burst of publications costs one flush (one {@code writev}) per connection, not one per
 * publication. A counter of drain requests ({@code wip}) makes sure exactly one drain runs and none
 * is lost. A drain requested by a fan-out joins the fan-out's {@link DrainBatch} (one task per chunk
 * of sessions per executor) instead of being a task of its own.
 *
 * <p><b>The direct push.</b> A fan-out that finds the delivery idle (nothing queued, no drain
 * pending, not coalescing) hands its push to the drain directly, past the queue: two cache misses
 * and an allocation less per delivery. Only the thread that took {@code wip} from 0 to 1 sets it,
 * and whichever of the drain and {@link #close} takes it back counts it out of the backlog, once.
 *
 * <p><b>Write delay</b> (docs/protocol.md, "Write delay"). Each push is offered with a budget: its
 * namespace's {@code write-delay}, how long it may wait before its first byte is written so that
 * several leave in one write. With a budget {@code > 0} and a transport whose executor is a
 * {@link CoalescingExecutor}, a push that arrives less than its budget after the last flush does not
 * start a drain at once: the drain is held ({@link CoalescingExecutor#executeWithin}, through the
 * fan-out's {@link DrainBatch}), so the publications arriving meanwhile leave in the same write.
 * After a quiet spell longer than the budget a drain starts at once: the budget adds no latency at
 * low rates, at most the budget at high rates, and never changes order (one queue, one drain).
 *
 * <p><b>The earliest deadline wins.</b> A session subscribed to channels of namespaces with
 * different budgets honours each push's own: a push offered while the drain is held for a longer
 * budget hurries it (another task, run within its own budget, which runs the drain if the held one
 * has not). Each hold has a number, which its tasks carry: whichever runs first takes {@code held}
 * from that number back to 0 and drains; the others, and a task of an earlier hold still pending
 * (hurried past), find nothing to do. Only pushes whose budget is below the largest this delivery was
 * offered ({@code maxBudget}, raised when a subscription is added) look: the common session of one
 * budget pays one volatile read. The race between a hurrying push and the offer that is about to
 * hold is closed Dekker-style: the hurrying push posts its deadline ({@code earliest}) before it
 * looks at {@code held}, the holding offer sets {@code held} before it looks at {@code earliest};
 * one of the two sees the other. A drain may so run earlier than needed (a deadline posted too
 * late to be cleared cuts the next hold short), never later.
 *
 * <p><b>Conflation.</b> A publication with a key of a conflating channel, offered to a transport that
 * {@link Transport#showsConflation shows conflation}, is queued replaceable (see {@link OutboundQueue}):
 * past half the queue bound, it replaces the queued one of its channel and key, which leaves the
 * backlog at once. A publication handed to an idle drain directly is never replaced (it is written next).
 *
 * <p>Control flows one way: the session offers, the delivery writes to the transport; the transport
 * only reports writability ({@link #onWritable}). Thread-safe; {@link #drain} and
 * {@link #onWritable} run on the transport's executor.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);
    private static final AtomicIntegerFieldUpdater<Delivery> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Delivery.class, "wip");
    private static final AtomicReferenceFieldUpdater<Delivery, Push> HEAD =
            AtomicReferenceFieldUpdater.newUpdater(Delivery.class, Push.class, "head");
    private static final AtomicIntegerFieldUpdater<Delivery> HELD =
            AtomicIntegerFieldUpdater.newUpdater(Delivery.class, "held");
    private static final AtomicLongFieldUpdater<Delivery> EARLIEST =
            AtomicLongFieldUpdater.newUpdater(Delivery.class, "earliest");
    /** {@link #earliest} when no deadline was posted. */
    private static final long NONE = Long.MIN_VALUE;
    /** Longer than any budget: the first push finds the delivery quiet. */
    private static final long LONG_AGO = TimeUnit.SECONDS.toNanos(2);

    /** What became of an offered push. */
    enum Offer {
        /** Queued or handed to the drain. */
        ACCEPTED,
        /** Refused: the queue would pass its bound (the session disconnects as slow). */
        FULL,
        /** Refused: the delivery was closed. */
        CLOSED,
        /** Queued, but the executor refused the drain (it is shutting down): the session ends. */
        REJECTED
    }

    private final Session session;
    private final Transport transport;
    private final Executor executor;
    private final CoalescingExecutor coalescing;
    /** Whether the transport's wire format says how many publications a conflated one replaced. */
    private final boolean conflates;
    /** The budget of pushes offered without one ({@link Session#send(Push)}). */
    private final long coalesceNanos;
    private final OutboundQueue queue;
    private final Backlog backlog;
    private final TransportStats.Counts counts;
    private final Runnable drain = this::drain;
    /** Drain requests not yet served: the drain runs while it is above 0. */
    private volatile int wip;
    /** The push handed over directly by a fan-out that found the delivery idle; see the class comment. */
    private volatile Push head;
    /** Set once by {@link #close}: nothing more is written, what is queued is dropped. */
    private volatile boolean closed;
    /** When the drain last flushed ({@link System#nanoTime()}); written by the drain, read by offers. */
    private volatile long lastFlushNanos;
    /**
     * While the drain owed ({@code wip > 0}) is held: the hold's number ({@link #holds}), taken back
     * to 0 by whichever of its tasks runs first ({@link #drainHeld}); else 0. A task of an earlier
     * hold, still pending, finds another number and does nothing. Set by the offer that took
     * {@code wip} from 0 and held.
     */
    private volatile int held;
    /** The number of the last hold, never 0; written by the offer that holds (one at a time: it owns {@code wip}). */
    private int holds;
    /** While {@link #held}: the deadline ({@link System#nanoTime()}) of the earliest task that will run it. */
    private volatile long heldDue;
    /** The earliest deadline a hurrying push posted (see the class comment), or {@link #NONE}. */
    private volatile long earliest = NONE;
    /**
     * The largest budget this delivery was offered or told of ({@link #admit}); 0 when it never
     * holds (no budget, or an executor that is not a {@link CoalescingExecutor}). Only grows.
     */
    private volatile long maxBudget;

    /**
     * @param session       the session delivered for; a drain that fails disconnects it
     * @param transport     the wire side; its executor is read once, here
     * @param queueMaxBytes the outbound queue bound in bytes, {@code > 0}
     * @param coalesceNanos the budget of pushes offered without one, {@code >= 0}; 0 drains at once,
     *                      as every budget does with an executor that is not a {@link CoalescingExecutor}
     * @param backlog       the node's backlog, which this delivery keeps counted
     * @param counts        its transport's counts, to which each drain adds the publications it wrote
     */
    Delivery(Session session, Transport transport, long queueMaxBytes, long coalesceNanos, Backlog backlog,
             TransportStats.Counts counts) {
        if (coalesceNanos < 0) {
            throw new IllegalArgumentException("coalesceNanos: " + coalesceNanos + " (expected: >= 0)");
        }
        this.session = session;
        this.transport = transport;
        this.executor = transport.executor();
        this.conflates = transport.showsConflation();
        this.coalescing = executor instanceof CoalescingExecutor c ? c : null;
        this.coalesceNanos = coalesceNanos;
        this.maxBudget = coalescing == null ? 0 : coalesceNanos;
        this.queue = new OutboundQueue(queueMaxBytes);
        this.backlog = backlog;
        this.counts = counts;
        this.lastFlushNanos = System.nanoTime() - LONG_AGO;
    }

    /** The session delivered for. */
    Session session() {
        return session;
    }

    /** The executor the drain runs on (what a {@link DrainBatch} groups by). */
    Executor executor() {
        return executor;
    }

    /** Whether this delivery may hold a drain (its offers then need a clock reading). */
    boolean coalesces() {
        return maxBudget > 0;
    }

    /** The budget of pushes offered without one. */
    long budgetNanos() {
        return coalesceNanos;
    }

    /**
     * Tells this delivery that pushes with {@code budgetNanos} will be offered (a subscription of a
     * namespace with that write delay is being added): call before they can be.
     */
    void admit(long budgetNanos) {
        if (coalescing == null) {
            return;
        }
        synchronized (this) { // rare: once per subscription, and only the first of a larger budget writes
            if (budgetNanos > maxBudget) {
                maxBudget = budgetNanos;
            }
        }
    }

    /** The queue bound in bytes. */
    long maxBytes() {
        return queue.maxBytes();
    }

    /** Bytes queued now (estimate; the push handed over directly is not counted). */
    long queuedBytes() {
        return queue.bytes();
    }

    /**
     * Queues {@code push} (or hands it to the drain) and makes sure a drain will run. Never blocks.
     *
     * @param conflate whether {@code push}, when it is a publication with a key, is of a channel whose
     *                 namespace has {@code conflation} on: it may then replace the queued one of its
     *                 channel and key past the conflation threshold (see {@link OutboundQueue}), when
     *                 the transport {@link Transport#showsConflation shows conflation}
     * @param budgetNanos the push's budget, {@code >= 0}: how long it may wait before it is written
     *                 (its namespace's write delay)
     * @param nowNanos {@link System#nanoTime()} read by the caller when this delivery
     *                 {@link #coalesces()}, else ignored
     * @param batch    the fan-out's batch, which collects the drain this starts and counts the push
     *                 into the backlog, or null to schedule and count here
     */
    Offer offer(Push push, boolean conflate, long budgetNanos, long nowNanos, DrainBatch batch) {
        if (closed) {
            return Offer.CLOSED;
        }
        int size = push.estimatedSize();
        boolean hold = budgetNanos > 0 && coalescing != null && nowNanos - lastFlushNanos < budgetNanos;
        if (batch != null && !hold && wip == 0 && head == null && queue.isEmpty()
                && size <= queue.maxBytes() && WIP.compareAndSet(this, 0, 1)) {
            // Idle: the push goes to the drain directly, past the queue. The batch always runs the
            // drain, which writes it, or drops it when the delivery closed meanwhile.
            head = push;
            batch.count(size);
            batch.add(this);
            return Offer.ACCEPTED;
        }
        if (conflate && conflates && push instanceof Publication p && p.key() != null) {
            Conflatable c = queue.conflate(p);
            if (c.replacedBytes > 0) {
                backlog.add(-1, -c.replacedBytes);
                counts.conflated(1);
            }
            push = c;
        }
        if (!queue.offer(push)) {
            return Offer.FULL;
        }
        if (batch != null) {
            batch.count(size);
        } else {
            backlog.add(1, size);
        }
        if (closed) {
            // close() may have cleared the queue before this push was in it
            dropQueue();
            return Offer.CLOSED;
        }
        try {
            if (WIP.getAndIncrement(this) == 0) {
                if (hold) {
                    hold(budgetNanos, nowNanos, batch);
                } else if (batch != null) {
                    batch.add(this);
                } else {
                    executor.execute(drain);
                }
            } else if (budgetNanos < maxBudget) {
                // A drain is owed, perhaps held for a longer budget than this push's.
                hurry(nowNanos + budgetNanos, budgetNanos, batch);
            }
        } catch (RejectedExecutionException e) {
            return Offer.REJECTED;
        }
        return Offer.ACCEPTED;
    }

    /** Holds the drain this offer owes for at most {@code budgetNanos}; see the class comment. */
    private void hold(long budgetNanos, long nowNanos, DrainBatch batch) {
        long due = nowNanos + budgetNanos;
        int number = holds + 1 == 0 ? 1 : holds + 1;
        holds = number;
        heldDue = due;
        held = number;
        runHeldWithin(number, budgetNanos, batch);
        long e = earliest; // after held is set: a push that missed it posted its deadline before looking
        if (e != NONE && e - due < 0) {
            heldDue = e;
            runHeldWithin(number, e - nowNanos, null);
        }
    }

    /**
     * A push with deadline {@code due} offered while a drain is owed: when that drain is held for
     * later, runs it within the push's budget instead. See the class comment.
     */
    private void hurry(long due, long budgetNanos, DrainBatch batch) {
        for (long e; ((e = earliest) == NONE || due - e < 0) && !EARLIEST.compareAndSet(this, e, due); ) {
            // lost a race with another push posting its deadline: look again
        }
        int number = held;
        if (number != 0 && due - heldDue < 0) {
            heldDue = due;
            runHeldWithin(number, budgetNanos, batch);
        }
    }

    /**
     * Runs {@link #drainHeld} of hold {@code number} within {@code delayNanos} ({@code <= 0}: at
     * once): through {@code batch} when given (no allocation), else as a task of its own.
     */
    private void runHeldWithin(int number, long delayNanos, DrainBatch batch) {
        long delay = Math.max(0, delayNanos);
        if (batch != null) {
            batch.hold(this, number, delay);
        } else if (delay == 0) {
            executor.execute(() -> drainHeld(number));
        } else {
            coalescing.executeWithin(() -> drainHeld(number), delay);
        }
    }

    /**
     * A task of hold {@code number}: the first to run drains, the others (and those of earlier holds)
     * find {@link #held} taken or another number. On the executor.
     */
    void drainHeld(int number) {
        if (HELD.compareAndSet(this, number, 0)) {
            drain();
        }
    }

    /** Whether a drain is held for the write delay now (a hint: it may change at once). Any thread. */
    boolean isHeld() {
        return held != 0;
    }

    /**
     * Runs the drain that is held for the write delay now, if one is: what is queued is written
     * (and flushed) before whatever the caller writes next, e.g. a goodbye. On the executor.
     */
    void drainHeldNow() {
        int number = held;
        if (number != 0) {
            drainHeld(number);
        }
    }

    /** Called on the executor when the connection became writable again: resumes the drain. */
    void onWritable() {
        if ((head != null || !queue.isEmpty()) && WIP.getAndIncrement(this) == 0) {
            drain();
        }
    }

    /**
     * Writes everything queued while the connection is writable, then flushes once; runs on the
     * executor, with {@link #wip} above 0. A push that throws while written (a bug in an encoder)
     * disconnects the session with {@link Disconnect#SERVER_ERROR}; the pushes after it stay queued
     * and are dropped with the session, and no other delivery is affected.
     */
    void drain() {
        try {
            writeQueued();
        } catch (RuntimeException e) {
            log.warn("{}: writing a push failed", session, e);
            session.disconnect(Disconnect.SERVER_ERROR);
        }
    }

    private void writeQueued() {
        int missed = 1;
        for (;;) {
            int wrote = 0;
            int notices = 0;
            long wroteBytes = 0;
            Push push;
            if (head != null) {
                if (closed) {
                    dropHead();
                } else if (transport.writable() && (push = HEAD.getAndSet(this, null)) != null) {
                    wroteBytes += push.estimatedSize();
                    wrote++;
                    notices += write(push);
                }
            }
            while (head == null && !closed && transport.writable() && (push = queue.poll()) != null) {
                wroteBytes += push.estimatedSize();
                wrote++;
                notices += write(push);
            }
            if (wrote > 0) {
                backlog.add(-wrote, -wroteBytes);
                if (wrote > notices) {
                    counts.delivered(wrote - notices);
                }
                transport.flush();
                if (maxBudget > 0) {
                    lastFlushNanos = System.nanoTime();
                }
            }
            if (earliest != NONE) {
                // Before wip drops: a deadline posted after this was posted for a push still to write.
                earliest = NONE;
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /**
     * Writes one push; returns 1 when it was a notice (a subscribe notice, a join or leave event: not
     * a delivered publication), else 0.
     */
    private int write(Push push) {
        // History replayed on subscribe and conflatable publications are queued wrapped (see
        // Recovered, Conflatable); transports see the publication.
        transport.write(push instanceof Recovered r ? r.publication() : push instanceof Conflatable c ? c.publication : push);
        return push instanceof Subscribed || push instanceof PresenceEvent ? 1 : 0;
    }

    /**
     * Stops writing and drops what is queued, counting it out of the backlog. Idempotent; any
     * thread. A drain running meanwhile stops after the push it is writing.
     */
    void close() {
        closed = true;
        dropQueue();
        dropHead();
    }

    private void dropQueue() {
        int dropped = 0;
        long bytes = 0;
        for (Push push; (push = queue.poll()) != null; ) {
            dropped++;
            bytes += push.estimatedSize();
        }
        if (dropped > 0) {
            backlog.add(-dropped, -bytes);
        }
    }

    /** Drops the push handed over directly, if any, counting it out of the backlog. */
    private void dropHead() {
        Push dropped = HEAD.getAndSet(this, null);
        if (dropped != null) {
            backlog.add(-1, -dropped.estimatedSize());
        }
    }
}
