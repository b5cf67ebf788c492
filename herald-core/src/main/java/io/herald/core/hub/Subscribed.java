package io.herald.core.hub;

import io.herald.core.StreamPosition;

/**
 * The first push of every subscription: says where the subscription starts and whether the
 * requested position could be served. Transports that announce nothing on subscribe write it only
 * when {@link #reset()} is true (the reset signal of docs/protocol.md, "Resume rule").
 *
 * <p>A transport with several subscriptions per session tells a notice of the current subscription
 * to a channel from one of an earlier subscription that ended before the notice was written by
 * comparing {@link #subscription()} with {@link Session#subscription(String)}.
 *
 * @param subscription the subscription this notice starts
 * @param reset        true when the requested position was older than history or of another epoch:
 *                     publications were missed and cannot be recovered
 * @param position     the position the publications that follow come after: the requested position
 *                     when recovered, else the stream's current top
 * @param recovered    how many publications from history follow this notice
 */
public record Subscribed(Subscription subscription, boolean reset, StreamPosition position, int recovered)
        implements Push {

    /** The channel subscribed to. */
    public String channel() {
        return subscription.channel();
    }

    @Override
    public int estimatedSize() {
        return 64;
    }
}
