package io.herald.core.hub;

import io.herald.core.StreamPosition;

/**
 * The first push of every subscription: says where the subscription starts and whether the
 * requested position could be served. Transports that announce nothing on subscribe write it only
 * when {@link #reset()} is true (the wire contract's reset signal).
 *
 * @param channel   the channel subscribed to
 * @param tag       what the transport passed to subscribe (e.g. a WebSocket command id), or null
 * @param reset     true when the requested position was older than history or of another epoch:
 *                  publications were missed and cannot be recovered
 * @param position  the position the publications that follow come after: the requested position
 *                  when recovered, else the stream's current top
 * @param recovered how many publications from history follow this notice
 */
public record Subscribed(String channel, Object tag, boolean reset, StreamPosition position, int recovered)
        implements Push {
    @Override
    public int estimatedSize() {
        return 64;
    }
}
