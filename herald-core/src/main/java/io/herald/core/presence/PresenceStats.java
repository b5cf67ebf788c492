package io.herald.core.presence;

/**
 * The counts of a channel's presence (docs/protocol.md, "Presence"). Immutable.
 *
 * @param clients the clients subscribed to the channel, across nodes
 * @param users   the distinct user ids among them; clients without a user id are not counted
 */
public record PresenceStats(int clients, int users) {
}
