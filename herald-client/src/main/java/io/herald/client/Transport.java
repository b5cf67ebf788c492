package io.herald.client;

/**
 * How {@link HeraldClient#subscribe} reaches the server (docs/protocol.md, "WebSocket protocol",
 * "Server-Sent Events"). Immutable (an enum): thread-safe.
 */
public enum Transport {
    /**
     * The WebSocket protocol on {@code /ws}, one socket shared by every subscription of the client;
     * when the server (or a proxy) refuses the upgrade with an HTTP answer, the client falls back to
     * {@link #SSE} for good. The default.
     */
    WEBSOCKET,
    /** Server-Sent Events only: one {@code GET /sse/{channel}?format=envelope} per subscription. */
    SSE
}
