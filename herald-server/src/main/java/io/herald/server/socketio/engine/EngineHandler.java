package io.herald.server.socketio.engine;

/**
 * What sits on an Engine.IO session: the Socket.IO layer, or the conformance echo. Called on the
 * session's event loop ({@link EngineSocket#loop()}), never concurrently.
 */
public interface EngineHandler {
    /** A message packet ({@code 4}) of text. */
    void text(String text);

    /** A binary message (a WebSocket binary frame, or a polling {@code b} packet decoded from base64). */
    void binary(byte[] bytes);

    /** The session can take packets again after {@link EngineSocket#writable()} was false. */
    default void drained() {
    }

    /** The session ended; {@code reason} is Engine.IO's, e.g. {@code "ping timeout"}, {@code "transport close"}. */
    void closed(String reason);

    /** Creates the handler of each new session. */
    @FunctionalInterface
    interface Factory {
        /** Called once per session, on its event loop, before any packet reaches it. */
        EngineHandler open(EngineSocket socket);
    }
}
