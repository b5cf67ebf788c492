package io.herald.server.socketio.engine;

import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One Engine.IO v4 packet: a type ({@code 0} open, {@code 1} close, {@code 2} ping, {@code 3} pong,
 * {@code 4} message, {@code 5} upgrade, {@code 6} noop) and its text, or a binary message
 * (docs/protocol.md, "Socket.IO"). Immutable.
 *
 * <p>Over HTTP long polling a payload is packets joined by the record separator {@code 0x1e}, a
 * binary message as {@code b} and its base64; over WebSocket each packet is one frame, a binary
 * message a binary frame of its bytes.
 *
 * @param type   the type character, {@code '0'} to {@code '6'}; {@code 'b'} for a binary message
 * @param text   the text after the type ({@code ""} when none); null when the packet was built as
 *               bytes ({@code wire}), and then {@link #text()} decodes them
 * @param binary the bytes of a binary message, else null
 * @param wire   a text message built from UTF-8 parts ({@link #message(byte[]...)}): its whole wire
 *               text, the type included, as a WebSocket text frame carries it; else null
 * @param frame  a message built to be sent to many sessions ({@link #shared(byte[]...)}): where its
 *               WebSocket frame is made once for all of them; else null
 */
public record EnginePacket(char type, String text, byte[] binary, byte[] wire, SharedFrame frame) {
    /** The record separator between packets of a polling payload. */
    public static final char SEPARATOR = '\u001e';

    static final char OPEN = '0';
    static final char CLOSE = '1';
    static final char PING = '2';
    static final char PONG = '3';
    /** A message packet. */
    public static final char MESSAGE = '4';
    static final char UPGRADE = '5';
    static final char NOOP = '6';
    static final char BINARY = 'b';

    static final EnginePacket PING_PACKET = new EnginePacket(PING, "", null);
    static final EnginePacket NOOP_PACKET = new EnginePacket(NOOP, "", null);
    static final EnginePacket CLOSE_PACKET = new EnginePacket(CLOSE, "", null);

    /** A text packet of type {@code type}. */
    EnginePacket(char type, String text, byte[] binary) {
        this(type, text, binary, null, null);
    }

    /**
     * The whole WebSocket text frame (RFC 6455, section 5.2) of one {@link #shared} packet, made on
     * first use by a WebSocket session and then written by every one of them past its frame encoder
     * ({@link io.herald.server.transport.FramedWrites}), as {@code /ws} writes a publication's frame.
     * The frame is {@link SharedBytes}: nothing to release, write a {@link SharedBytes#view}.
     * Thread-safe: two threads may both make it on first use; either result is the same bytes.
     */
    public static final class SharedFrame {
        private volatile ByteBuf webSocketFrame;

        private SharedFrame() {
        }

        /** The frame around {@code wire} (the packet's wire bytes), made once. */
        ByteBuf webSocketFrame(byte[] wire) {
            ByteBuf f = webSocketFrame;
            if (f == null) {
                f = SharedBytes.frame(new TextWebSocketFrame(Unpooled.wrappedBuffer(wire)));
                webSocketFrame = f;
            }
            return f;
        }
    }

    /** A text message packet. */
    public static EnginePacket message(String text) {
        return new EnginePacket(MESSAGE, text, null);
    }

    /**
     * A text message packet whose text is the concatenation of {@code textUtf8} (UTF-8 parts, copied
     * once into the packet's wire bytes): bytes shared between sockets, such as a publication's
     * envelope, go to the WebSocket without being decoded into a String and encoded again.
     */
    public static EnginePacket message(byte[]... textUtf8) {
        return new EnginePacket(MESSAGE, null, null, wire(textUtf8), null);
    }

    /**
     * A text message packet like {@link #message(byte[]...)}, built once to be sent as it is to many
     * sessions (e.g. one publication's event for every socket whose event is the same): the sessions
     * share its wire bytes, and over WebSocket the frame around them ({@link SharedFrame}). Immutable
     * and thread-safe, so it can sit in a publication's encoding cache.
     */
    public static EnginePacket shared(byte[]... textUtf8) {
        return new EnginePacket(MESSAGE, null, null, wire(textUtf8), new SharedFrame());
    }

    /** {@code 4} and the concatenation of {@code textUtf8}. */
    private static byte[] wire(byte[]... textUtf8) {
        int length = 1;
        for (byte[] part : textUtf8) {
            length += part.length;
        }
        byte[] wire = new byte[length];
        wire[0] = (byte) MESSAGE;
        int at = 1;
        for (byte[] part : textUtf8) {
            System.arraycopy(part, 0, wire, at, part.length);
            at += part.length;
        }
        return wire;
    }

    /** A binary message. */
    public static EnginePacket binary(byte[] bytes) {
        return new EnginePacket(BINARY, "", bytes);
    }

    /** The text after the type (decoded from the wire bytes of a packet built from them). */
    @Override
    public String text() {
        return text != null ? text : new String(wire, 1, wire.length - 1, StandardCharsets.UTF_8);
    }

    /** A {@link #shared} packet's whole WebSocket frame (shared: write a {@link SharedBytes#view}); else null. */
    ByteBuf sharedWebSocketFrame() {
        return frame != null ? frame.webSocketFrame(wire) : null;
    }

    /** The packet as a WebSocket text frame holds it (not for binary messages). */
    ByteBuf wireFrameContent() {
        return wire != null ? Unpooled.wrappedBuffer(wire) : Unpooled.copiedBuffer(type + text, StandardCharsets.UTF_8);
    }

    /** About how many bytes the packet takes in a queue or on the wire. */
    int size() {
        return binary != null ? binary.length + 1 : wire != null ? wire.length : text.length() + 1;
    }

    /**
     * Parses one packet of text, as a WebSocket text frame or one part of a polling payload holds it.
     *
     * @param polling whether a {@code b} (base64 binary) packet is allowed
     * @throws IllegalArgumentException when it is not a packet
     */
    static EnginePacket parse(String s, boolean polling) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty packet");
        }
        char type = s.charAt(0);
        if (type == BINARY && polling) {
            try {
                return binary(Base64.getDecoder().decode(s.substring(1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad base64 in a binary packet");
            }
        }
        if (type < OPEN || type > NOOP) {
            throw new IllegalArgumentException("unknown packet type " + type);
        }
        return new EnginePacket(type, s.substring(1), null);
    }

    /**
     * Splits a polling request body into its packets.
     *
     * @throws IllegalArgumentException when a part is not a packet
     */
    static List<EnginePacket> parsePayload(String body) {
        List<EnginePacket> packets = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = body.indexOf(SEPARATOR, start);
            packets.add(parse(end < 0 ? body.substring(start) : body.substring(start, end), true));
            if (end < 0) {
                return packets;
            }
            start = end + 1;
        }
    }

    /**
     * Joins packets into a polling response body, binary ones as {@code b} + base64; packets built
     * from UTF-8 bytes (such as a {@link #shared} one) are copied as they are, not decoded.
     */
    static byte[] encodePayload(List<EnginePacket> packets) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < packets.size(); i++) {
            if (i > 0) {
                out.write(SEPARATOR); // U+001E: one byte in UTF-8
            }
            EnginePacket p = packets.get(i);
            if (p.binary != null) {
                out.write(BINARY);
                out.writeBytes(Base64.getEncoder().encode(p.binary));
            } else if (p.wire != null) {
                out.writeBytes(p.wire);
            } else {
                out.writeBytes((p.type + p.text).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
