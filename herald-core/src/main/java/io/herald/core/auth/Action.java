package io.herald.core.auth;

/** What a client asks to do with a channel (docs/security.md, "Channel permissions"). */
public enum Action {
    /** Receive the channel's publications on any transport (SSE, streams, polling, WebSocket). */
    SUBSCRIBE("subscribe"),
    /** Publish to the channel. */
    PUBLISH("publish"),
    /** Read the channel's history ({@code GET /history}, the WebSocket {@code history} command). */
    HISTORY("history");

    private final String word;

    Action(String word) {
        this.word = word;
    }

    /** The lower-case word of configuration keys and token grants, e.g. {@code "subscribe"}. */
    public String word() {
        return word;
    }
}
