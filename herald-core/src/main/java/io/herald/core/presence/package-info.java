/**
 * Presence: who is subscribed to a channel, across the nodes of a deployment, and the join and
 * leave events of namespaces that enable them (docs/protocol.md, "Presence"). The store contract
 * is {@link io.herald.core.presence.PresenceStore}; {@link io.herald.core.presence.MemoryPresence}
 * is the one-process store of the in-memory broker. No Netty, no HTTP.
 */
package io.herald.core.presence;
