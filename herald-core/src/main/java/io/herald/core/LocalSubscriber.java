package io.herald.core;

import io.herald.core.hub.Push;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.herald.core.presence.PresenceEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * An in-process subscriber: a session whose transport calls a {@link SubscriptionListener}
 * instead of writing to a socket. Used by applications that embed Herald and by tests that need no
 * HTTP. It follows the same resume rule, ordering and outbound-queue bound as every transport.
 *
 * <pre>{@code
 * try (LocalSubscriber sub = LocalSubscriber.open(node, "chat", null, listener, executor)) {
 *     sub.subscribed().join();
 * }
 * }</pre>
 * Thread-safe.
 */
public final class LocalSubscriber implements AutoCloseable {
    private final Session session;
    private final CompletableFuture<Subscribed> subscribed;

    private LocalSubscriber(Node node, String channel, StreamPosition since, SubscriptionListener listener, Executor executor) {
        ListenerTransport transport = new ListenerTransport(listener, executor);
        this.session = node.newSession(transport);
        transport.session = session;
        this.subscribed = node.subscribe(session, channel, since);
    }

    /**
     * Subscribes {@code listener} to {@code channel} from {@code since}.
     *
     * @param node     the node
     * @param channel  a valid channel name
     * @param since    the position to resume after, or null for live publications only
     * @param listener receives the stream, one call at a time
     * @param executor runs the listener calls (serially for this subscriber), e.g. a shared pool
     * @return the subscriber; {@link #subscribed()} completes once history is merged, or fails with
     *         {@link HeraldException} ({@code invalid_channel}, {@code broker_unavailable})
     * @throws HeraldException {@code shutting_down} once the node is closing
     */
    public static LocalSubscriber open(Node node, String channel, StreamPosition since,
                                       SubscriptionListener listener, Executor executor) {
        return new LocalSubscriber(node, channel, since, listener, executor);
    }

    /** Completes with the subscribe notice once recovery is done. */
    public CompletableFuture<Subscribed> subscribed() {
        return subscribed;
    }

    /** The session's presence client id (docs/protocol.md, "Presence"). */
    public String clientId(Node node) {
        return node.clientId(session);
    }

    /** Ends the subscription; the listener gets {@code onClosed(NORMAL)}. Idempotent. */
    @Override
    public void close() {
        session.disconnect(Disconnect.NORMAL);
    }

    /** The core transport that hands pushes to a listener. */
    private static final class ListenerTransport implements Transport {
        private final SubscriptionListener listener;
        private final Executor executor;
        private Session session;

        ListenerTransport(SubscriptionListener listener, Executor executor) {
            this.listener = listener;
            this.executor = executor;
        }

        @Override
        public String name() {
            return "local";
        }


        @Override
        public Executor executor() {
            return executor;
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void write(Push push) {
            if (push instanceof Publication p) {
                listener.onPublication(p);
            } else if (push instanceof Subscribed s) {
                listener.onSubscribed(s);
            } else if (push instanceof PresenceEvent e) {
                listener.onPresenceEvent(e);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(Disconnect reason) {
            executor.execute(() -> {
                session.onClosed();
                listener.onClosed(reason);
            });
        }
    }
}
