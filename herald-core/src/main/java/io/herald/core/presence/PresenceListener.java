package io.herald.core.presence;

/**
 * Receives the join and leave events of the channels a node {@link PresenceStore#watch watches}.
 * Calls must not block.
 */
@FunctionalInterface
public interface PresenceListener {
    /** A client joined or left one of the watched channels, on this node or another. */
    void onPresenceEvent(PresenceEvent event);
}
