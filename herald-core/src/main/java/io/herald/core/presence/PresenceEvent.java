package io.herald.core.presence;

import io.herald.core.hub.Push;
import java.util.Objects;

/**
 * A join or a leave: a client's subscription to a channel of a namespace with {@code join-leave}
 * started or ended (docs/protocol.md, "Presence"). Pushed to the channel's subscribers on every
 * node; not a publication (no offset, not in history), so it never takes part in the resume rule.
 * Immutable.
 *
 * @param channel the channel
 * @param join    true for a join, false for a leave
 * @param client  who joined or left
 */
public record PresenceEvent(String channel, boolean join, ClientInfo client) implements Push {
    public PresenceEvent {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(client, "client");
    }

    @Override
    public int estimatedSize() {
        return 96 + 2 * (channel.length() + client.client().length() + (client.user() == null ? 0 : client.user().length()));
    }
}
