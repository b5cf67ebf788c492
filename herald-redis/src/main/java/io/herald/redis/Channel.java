package io.herald.redis;

import io.herald.core.NamespaceOptions;
import io.herald.core.Publication;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One channel this node is subscribed to on Redis (or subscribing, lingering, unsubscribing): the
 * {@link PubSub} manager's state of its SUBSCRIBE, and the {@link Fanout} processor's state of its
 * delivery. Fields are grouped by who owns them.
 */
final class Channel {
    /** Where the channel stands on the pub/sub connection. */
    enum State {
        /** Not subscribed on Redis (maybe queued for a SUBSCRIBE). */
        IDLE,
        /** A SUBSCRIBE was sent; waiting for Redis's confirmation. */
        SUBSCRIBING,
        /** Redis confirmed; lingering when no longer {@link #wanted}. */
        SUBSCRIBED,
        /** An UNSUBSCRIBE was sent; waiting for Redis's confirmation. */
        UNSUBSCRIBING
    }

    final String name;
    final byte[] pubsubName;
    final Fanout.Processor processor;

    // --- the PubSub manager's, guarded by its monitor (volatile ones are read without it)
    volatile State state = State.IDLE;
    /** The hub has subscribers for it (between its subscribe and unsubscribe). */
    volatile boolean wanted;
    /** Queued for a SUBSCRIBE or UNSUBSCRIBE command. */
    boolean queued;
    /** When lingering: System.nanoTime() after which it is unsubscribed. */
    long lingerUntilNanos;
    /** Subscribe calls waiting for Redis's confirmation. */
    List<CompletableFuture<Void>> waiters = new ArrayList<>();
    /** Dropped by the manager: no longer subscribed, a later subscribe makes a new Channel. */
    volatile boolean removed;

    // --- the processor's, confined to its thread (volatile ones are read by the top check)
    /** The epoch of the last publication delivered (or seen in history), null until known. */
    volatile String epoch;
    /** The offset of the last publication delivered (or the top seen in history). */
    long last;
    /** A catch-up read is in flight; live publications wait in {@link #buffer}. */
    volatile boolean filling;
    /** Read history again after the catch-up in flight: something may have been dropped meanwhile. */
    boolean again;
    final ArrayDeque<Publication> buffer = new ArrayDeque<>();
    /** When the last live publication arrived (System.nanoTime()), for the top check of idle channels. */
    volatile long lastLiveNanos = System.nanoTime();

    // --- shared
    /** A catch-up request is queued on the processor (set by the pub/sub reader on overflow). */
    final AtomicBoolean catchUpQueued = new AtomicBoolean();
    /** A top check of the channel is queued or in flight. */
    final AtomicBoolean checking = new AtomicBoolean();
    /**
     * The namespace options last used with the channel on this node (its history size and age, for
     * catch-up reads), or null before the hub published or read it here.
     */
    volatile NamespaceOptions options;

    Channel(String name, byte[] pubsubName, Fanout.Processor processor) {
        this.name = name;
        this.pubsubName = pubsubName;
        this.processor = processor;
    }

    @Override
    public String toString() {
        return "Channel[" + name + " " + state + (wanted ? "" : " unwanted") + "]";
    }
}
