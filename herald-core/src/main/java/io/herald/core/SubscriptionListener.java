package io.herald.core;

import io.herald.core.hub.Subscribed;
import io.herald.core.presence.PresenceEvent;

/**
 * Receives a {@link LocalSubscriber}'s stream in-process. Every method has a no-op default.
 *
 * <p>Calls for one subscriber are never concurrent and come in order: {@link #onSubscribed} first,
 * then publications in offset order; {@link #onClosed} last, with no calls after it. They run on the
 * subscriber's executor and must not block for long: while a call runs, publications queue in the
 * subscriber's bounded outbound queue, and a subscriber that falls behind past the bound is closed
 * with {@link Disconnect#SLOW}.
 */
public interface SubscriptionListener {
    /** The subscription started; {@code notice.reset()} says whether publications were missed. */
    default void onSubscribed(Subscribed notice) {
    }

    /** A publication, in offset order, none twice. */
    default void onPublication(Publication publication) {
    }

    /**
     * A client joined or left the channel, in a namespace with {@code join-leave}
     * (docs/protocol.md, "Presence"); not a publication, and not ordered with them.
     */
    default void onPresenceEvent(PresenceEvent event) {
    }

    /** The subscription ended for {@code reason}; resume from the last offset seen if you reconnect. */
    default void onClosed(Disconnect reason) {
    }
}
