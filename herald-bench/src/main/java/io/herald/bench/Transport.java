package io.herald.bench;

/** The subscriber wire techniques the load generator speaks, with Herald's default paths. */
public enum Transport {
    /** Server-Sent Events: {@code GET /sse/{channel}}, one {@code text/event-stream} response. */
    SSE("/sse/{channel}"),
    /** Raw WebSocket: {@code GET /ws/{channel}} upgrade, one text frame per publication. */
    WS("/ws/{channel}"),
    /** Long polling: {@code GET /longpoll/{channel}?since=ID&timeout=S}, Herald's JSON body. */
    LONGPOLL("/longpoll/{channel}"),
    /**
     * SockJS over WebSocket: {@code GET /sockjs/{server}/{session}/websocket} upgrade (random ids per
     * connection), SockJS frames, the WebSocket protocol's {@code subscribe} command as a SockJS
     * message, one publication envelope per message (docs/protocol.md, "SockJS").
     */
    SOCKJS_WS("/sockjs/{server}/{session}/websocket"),
    /**
     * Socket.IO over WebSocket: Engine.IO v4 {@code GET /socket.io/?EIO=4&transport=websocket},
     * {@code CONNECT} to {@code /}, a {@code subscribe} event with an ack, one {@code publication}
     * event per publication (docs/protocol.md, "Socket.IO").
     */
    SOCKETIO_WS("/socket.io/?EIO=4&transport=websocket");

    private final String defaultPath;

    Transport(String defaultPath) {
        this.defaultPath = defaultPath;
    }

    /**
     * Herald's path template for this transport: with a {@code {channel}} placeholder, or none where
     * the channel travels in a command (SockJS, Socket.IO); SockJS's has {@code {server}} and
     * {@code {session}}, filled per connection (see {@link UrlTemplate#webSocketUri(String, java.util.random.RandomGenerator)}).
     */
    public String defaultPath() {
        return defaultPath;
    }

    /** The lower-case name used on the command line and in reports, e.g. {@code sockjs-ws}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
