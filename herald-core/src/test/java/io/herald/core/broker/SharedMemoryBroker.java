package io.herald.core.broker;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test broker for several nodes in one process: one in-memory store that every node's broker
 * ({@link #newNode()}) publishes to and reads from, delivering each publication to every node that
 * subscribed to its channel, as a shared remote store (Redis) does across processes. So two
 * in-process servers serve one stream per channel (the same epochs, offsets and history), and a
 * client can move from one to the other resuming from its last id. Delivery keeps the store's
 * order: each publication reaches every node under the store's channel lock. Thread-safe.
 */
public final class SharedMemoryBroker {
    private final MemoryBroker store = new MemoryBroker();
    private final List<NodeBroker> nodes = new CopyOnWriteArrayList<>();
    private int open;

    public SharedMemoryBroker() {
        store.start(p -> {
            for (NodeBroker node : nodes) {
                node.deliver(p);
            }
        });
    }

    /** A broker for one more node on the shared store; not started. The store closes with the last of them. */
    public synchronized Broker newNode() {
        open++;
        return new NodeBroker();
    }

    private synchronized void closed(NodeBroker node) {
        nodes.remove(node);
        if (--open == 0) {
            store.close();
        }
    }

    private final class NodeBroker implements Broker {
        private final Set<String> channels = ConcurrentHashMap.newKeySet();
        private volatile BrokerListener listener;
        private boolean closed;
        /** Presence is per node here: this helper shares streams, not presence. */
        private final io.herald.core.presence.MemoryPresence presence = new io.herald.core.presence.MemoryPresence();

        @Override
        public io.herald.core.presence.PresenceStore presence() {
            return presence;
        }

        void deliver(Publication p) {
            BrokerListener l = listener;
            if (l != null && channels.contains(p.channel())) {
                l.onPublication(p);
            }
        }

        @Override
        public void start(BrokerListener listener) {
            this.listener = listener;
            nodes.add(this);
        }

        @Override
        public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                                      String idempotencyKey, String key) {
            return store.publish(channel, event, data, options, idempotencyKey, key);
        }

        @Override
        public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
            return store.history(channel, since, limit, options);
        }

        @Override
        public CompletableFuture<Void> subscribe(String channel) {
            channels.add(channel);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String channel) {
            channels.remove(channel);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<BrokerHealth> health() {
            return store.health();
        }

        @Override
        public void close() {
            synchronized (SharedMemoryBroker.this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            closed(this);
        }
    }
}
