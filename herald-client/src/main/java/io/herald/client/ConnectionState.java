package io.herald.client;

/**
 * The state of a subscription's connection, reported by {@link SubscriptionListener#onStateChange}.
 * A subscription starts {@code CONNECTING}; it goes {@code CONNECTED} once the server accepted it
 * (the WebSocket {@code subscribe} reply, the SSE response's {@code 200}), {@code DISCONNECTED}
 * when the connection is lost and a reconnect is scheduled (then {@code CONNECTING} again), and
 * {@code CLOSED} once, at the end: {@link Subscription#close()}, {@link HeraldClient#close()}, a
 * disconnect with reconnect advice {@code false}, or an error that retrying cannot cure. Immutable
 * (an enum): thread-safe.
 */
public enum ConnectionState {
    CONNECTING, CONNECTED, DISCONNECTED, CLOSED
}
