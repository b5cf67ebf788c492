package io.herald.core.presence;

import io.herald.core.hub.Push;
import java.util.Objects;
import java.util.function.Function;

/**
 * A join or a leave: a client's subscription to a channel of a namespace with {@code join-leave}
 * started or ended (docs/protocol.md, "Presence"). Pushed to the channel's subscribers on every
 * node; not a publication (no offset, not in history), so it never takes part in the resume rule.
 *
 * <p>Like a publication it is encoded once for all its recipients: {@link #encoded} keeps the wire
 * form the first encoder made. Immutable apart from that cache; thread-safe. Equal when channel,
 * kind and client are.
 */
public final class PresenceEvent implements Push {
    private final String channel;
    private final boolean join;
    private final ClientInfo client;
    /** The last encoder and what it made, as one immutable pair; null until first encoded. */
    private volatile Encoded<?> encoded;

    private record Encoded<T>(Function<PresenceEvent, T> encoder, T value) {
    }

    /**
     * @param channel the channel
     * @param join    true for a join, false for a leave
     * @param client  who joined or left
     */
    public PresenceEvent(String channel, boolean join, ClientInfo client) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.join = join;
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The channel. */
    public String channel() {
        return channel;
    }

    /** True for a join, false for a leave. */
    public boolean join() {
        return join;
    }

    /** Who joined or left. */
    public ClientInfo client() {
        return client;
    }

    /**
     * This event encoded by {@code encoder}, computed on first use and then shared by every
     * recipient. Pass the same function object each time (a constant); another encoder recomputes.
     *
     * @param encoder a pure function from an event to its wire form
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Function<PresenceEvent, T> encoder) {
        Encoded<?> e = encoded;
        if (e == null || e.encoder() != encoder) {
            e = new Encoded<>(encoder, encoder.apply(this));
            encoded = e;
        }
        return (T) e.value();
    }

    @Override
    public int estimatedSize() {
        return 96 + 2 * (channel.length() + client.client().length() + (client.user() == null ? 0 : client.user().length()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PresenceEvent e && e.join == join && e.channel.equals(channel) && e.client.equals(client);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channel, join, client);
    }

    @Override
    public String toString() {
        return "PresenceEvent[" + (join ? "join " : "leave ") + channel + " " + client + "]";
    }
}
