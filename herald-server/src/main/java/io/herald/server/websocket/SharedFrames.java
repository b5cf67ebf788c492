package io.herald.server.websocket;

import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.presence.PresenceEvent;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.PresenceJson;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Whole WebSocket frames encoded once per publication (or join/leave event) and shared by every subscriber (RFC 6455,
 * section 5.2): frames from a server are not masked, so the bytes are the same for every
 * connection. Netty's own frame encoder produces them ({@link SharedBytes#frame}); they are then
 * written past the connection's encoder, which passes buffers that are not frames on unchanged.
 */
final class SharedFrames {
    /** The raw transport's frame: the payload as is, a text frame for text and JSON, binary for binary. */
    static final Publication.Encoding<ByteBuf> RAW = Publication.Encoding.of("ws-raw-frame", p ->
            SharedBytes.frame(p.data().kind() == Payload.Kind.BINARY
                    ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p.data().bytes()))
                    : new TextWebSocketFrame(Unpooled.wrappedBuffer(p.data().bytes()))));

    /** The protocol transport's push: the envelope as a text frame. */
    static final Publication.Encoding<ByteBuf> ENVELOPE = Publication.Encoding.of("ws-envelope-frame", p ->
            SharedBytes.frame(new TextWebSocketFrame(Unpooled.wrappedBuffer(p.encoded(Envelopes.ENVELOPE)))));

    /** The protocol transport's join or leave event (docs/protocol.md, "Presence") as a text frame. */
    static final Function<PresenceEvent, ByteBuf> PRESENCE_EVENT = e ->
            SharedBytes.frame(new TextWebSocketFrame(Unpooled.wrappedBuffer(PresenceJson.event(e).getBytes(StandardCharsets.UTF_8))));

    private SharedFrames() {
    }
}
