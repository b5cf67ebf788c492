package io.herald.core.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A node's counts by transport ({@link Transport#name()}): live sessions, subscriptions, and
 * publications delivered (written to the transport). Kept as the node runs: a session counts
 * itself in and out, the hub counts subscriptions as it adds and removes them, and each drain adds
 * what it wrote once; so reading them (a metrics scrape) never walks the sessions.
 *
 * <p>A transport's {@link Counts} are created the first time its name is seen; {@link #onNew}
 * tells a listener of each (a metrics registry registers its meters then). Thread-safe.
 */
public final class TransportStats {
    private final ConcurrentHashMap<String, Counts> byName = new ConcurrentHashMap<>();
    private final List<Consumer<Counts>> listeners = new ArrayList<>();

    /**
     * The counts of the transport named {@code transport}, created (and announced to the
     * {@link #onNew} listeners) the first time.
     */
    public Counts of(String transport) {
        Counts counts = byName.get(transport);
        return counts != null ? counts : create(transport);
    }

    private synchronized Counts create(String transport) {
        Counts counts = byName.get(transport);
        if (counts == null) {
            counts = new Counts(transport);
            byName.put(transport, counts);
            for (Consumer<Counts> listener : listeners) {
                listener.accept(counts);
            }
        }
        return counts;
    }

    /**
     * Calls {@code listener} with the counts of every transport seen so far and, from now on, of
     * each new one, under this object's lock (so none is missed or announced twice).
     */
    public synchronized void onNew(Consumer<Counts> listener) {
        listeners.add(listener);
        byName.values().forEach(listener);
    }

    /** One transport's counts. Thread-safe. */
    public static final class Counts {
        private final String transport;
        private final LongAdder sessions = new LongAdder();
        private final LongAdder subscriptions = new LongAdder();
        private final LongAdder deliveries = new LongAdder();
        private final LongAdder conflated = new LongAdder();

        Counts(String transport) {
            this.transport = transport;
        }

        /** The transport's name, e.g. {@code sse}. */
        public String transport() {
            return transport;
        }

        /** Live sessions of this transport now. */
        public long sessions() {
            return sessions.sum();
        }

        /** Subscriptions of this transport's sessions now. */
        public long subscriptions() {
            return subscriptions.sum();
        }

        /** Publications written to this transport's sessions since the node started. */
        public long deliveries() {
            return deliveries.sum();
        }

        /**
         * Publications skipped by conflation in this transport's sessions since the node started:
         * each replaced in a session's queue by a newer one of its channel and key (docs/protocol.md,
         * "Conflation").
         */
        public long conflated() {
            return conflated.sum();
        }

        void conflated(int publications) {
            conflated.add(publications);
        }

        void sessionOpened() {
            sessions.increment();
        }

        void sessionClosed() {
            sessions.decrement();
        }

        void subscriptionAdded() {
            subscriptions.increment();
        }

        void subscriptionRemoved() {
            subscriptions.decrement();
        }

        void delivered(int publications) {
            deliveries.add(publications);
        }
    }
}
