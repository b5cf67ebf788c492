package io.herald.bench;

/** The subscriber wire techniques the load generator speaks, with Herald's default paths. */
public enum Transport {
    /** Server-Sent Events: {@code GET /sse/{channel}}, one {@code text/event-stream} response. */
    SSE("/sse/{channel}"),
    /** Raw WebSocket: {@code GET /ws/{channel}} upgrade, one text frame per publication. */
    WS("/ws/{channel}"),
    /** Long polling: {@code GET /longpoll/{channel}?since=ID&timeout=S}, Herald's JSON body. */
    LONGPOLL("/longpoll/{channel}");

    private final String defaultPath;

    Transport(String defaultPath) {
        this.defaultPath = defaultPath;
    }

    /** Herald's path template for this transport, with a {@code {channel}} placeholder. */
    public String defaultPath() {
        return defaultPath;
    }

    /** The lower-case name used on the command line and in reports. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
