package io.herald.server.socketio.engine;

import java.time.Duration;

/**
 * The settings of one Engine.IO v4 endpoint, announced in its handshake (docs/protocol.md, "Socket.IO").
 *
 * @param pingInterval  how long after the handshake, and after each pong, the server sends a ping
 * @param pingTimeout   how long the client has to answer a ping with a pong before the session ends
 * @param maxPayload    the largest message and the largest polling request body, in bytes
 * @param maxQueueBytes the bound of a session's outbound packet queue, in bytes: a client that does
 *                      not fetch its packets is cut past it
 */
public record EngineConfig(Duration pingInterval, Duration pingTimeout, int maxPayload, long maxQueueBytes) {
    /** @throws IllegalArgumentException for a non-positive value */
    public EngineConfig {
        if (pingInterval.isNegative() || pingInterval.isZero() || pingTimeout.isNegative() || pingTimeout.isZero()
                || maxPayload <= 0 || maxQueueBytes <= 0) {
            throw new IllegalArgumentException("Engine.IO settings must be positive: " + pingInterval + ", "
                    + pingTimeout + ", " + maxPayload + ", " + maxQueueBytes);
        }
    }

    /** The handshake's JSON: {@code {"sid":..,"upgrades":[..],"pingInterval":ms,"pingTimeout":ms,"maxPayload":n}}. */
    String handshake(String sid, boolean canUpgrade) {
        return "{\"sid\":\"" + sid + "\",\"upgrades\":" + (canUpgrade ? "[\"websocket\"]" : "[]")
                + ",\"pingInterval\":" + pingInterval.toMillis() + ",\"pingTimeout\":" + pingTimeout.toMillis()
                + ",\"maxPayload\":" + maxPayload + "}";
    }
}
