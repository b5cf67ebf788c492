package io.herald.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Socket.IO namespace of the endpoint: what a client's {@code CONNECT} to it creates. Called on the
 * Engine.IO session's event loop.
 */
@FunctionalInterface
public interface SioNamespace {
    /**
     * Connects a client to this namespace: answers the {@code CONNECT} (with {@link SioConnection#connected}
     * or {@link SioConnection#connectError}) and returns the socket, or null when refused.
     *
     * @param connection the client's Socket.IO connection
     * @param namespace  the namespace's name, e.g. {@code "/"}
     * @param auth       the {@code CONNECT} payload (the client's {@code auth} option), or null
     */
    SioSocket connect(SioConnection connection, String namespace, JsonNode auth);

    /** One client in one namespace. Called on the Engine.IO session's event loop. */
    interface SioSocket {
        /** An {@code EVENT} or {@code BINARY_EVENT} with all its attachments. */
        void event(SioPacket packet);

        /** The socket left: the client's {@code DISCONNECT}, or the connection ended. */
        void disconnected(String reason);

        /** The connection takes packets again. */
        default void drained() {
        }
    }
}
