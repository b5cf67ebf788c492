package io.herald.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.herald.server.socketio.engine.EngineHandler;
import io.herald.server.socketio.engine.EnginePacket;

/**
 * The behaviours the upstream Socket.IO protocol suite expects of its test server, mounted only with
 * {@code conformance} on (docs/compatibility.md): on connect the socket emits {@code auth} with the
 * {@code CONNECT} payload ({@code {}} when none); {@code message} is answered by {@code message-back}
 * with the same arguments and attachments; {@code message-with-ack} is acknowledged with its
 * arguments. Also the Engine.IO suite's echo ({@link #ECHO}). Stateless; on the session's event loop.
 */
final class ConformanceNamespace implements SioNamespace {

    /** The Engine.IO suite's server: every message, text or binary, is sent back as it came. */
    static final EngineHandler.Factory ECHO = socket -> new EngineHandler() {
        @Override
        public void text(String text) {
            socket.send(EnginePacket.message(text));
            socket.flush();
        }

        @Override
        public void binary(byte[] bytes) {
            socket.send(EnginePacket.binary(bytes));
            socket.flush();
        }

        @Override
        public void closed(String reason) {
        }
    };

    @Override
    public SioSocket connect(SioConnection connection, String namespace, JsonNode auth) {
        connection.connected(namespace, "{\"sid\":\"" + SioConnection.newId() + "\"}");
        connection.flush();
        ArrayNode args = SioPacket.MAPPER.createArrayNode().add("auth");
        args.add(auth == null ? SioPacket.MAPPER.createObjectNode() : auth);
        // As the reference server's connection handler does, a turn after the CONNECT answer: the suite
        // registers its listener for this event once it has read that answer.
        connection.engine().loop().schedule(() -> {
            connection.emit(namespace, args.toString());
            connection.flush();
        }, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
        return new SioSocket() {
            @Override
            public void event(SioPacket packet) {
                String name = packet.event();
                boolean binary = packet.attachments() > 0;
                if ("message".equals(name)) {
                    ArrayNode out = SioPacket.MAPPER.createArrayNode().add("message-back");
                    out.addAll(packet.args());
                    if (binary) {
                        connection.sendBinary(namespace, -1, false, out.toString(), packet.buffers());
                    } else {
                        connection.emit(namespace, out.toString());
                    }
                } else if ("message-with-ack".equals(name) && packet.id() >= 0) {
                    if (binary) {
                        connection.sendBinary(namespace, packet.id(), true, packet.args().toString(), packet.buffers());
                    } else {
                        connection.ack(namespace, packet.id(), packet.args().toString());
                    }
                }
                connection.flush();
            }

            @Override
            public void disconnected(String reason) {
            }
        };
    }
}
