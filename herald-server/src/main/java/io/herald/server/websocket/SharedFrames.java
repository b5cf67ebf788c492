package io.herald.server.websocket;

import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.codec.Envelopes;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;

/**
 * Whole WebSocket frames encoded once per publication and shared by every subscriber (RFC 6455,
 * section 5.2): frames from a server are not masked, so the bytes are the same for every
 * connection. A frame is FIN set, the opcode, the payload length (7 bits, or 126 and 16 bits, or
 * 127 and 64 bits) and the payload. They are written past Netty's frame encoder, which passes
 * buffers that are not frames on unchanged.
 */
final class SharedFrames {
    static final int OPCODE_TEXT = 0x1;
    static final int OPCODE_BINARY = 0x2;

    /** The raw transport's frame: the payload as is, a text frame for text and JSON, binary for binary. */
    static final Publication.Encoding<ByteBuf> RAW = Publication.Encoding.of("ws-raw-frame", p ->
            frame(p.data().kind() == Payload.Kind.BINARY ? OPCODE_BINARY : OPCODE_TEXT, p.data().bytes()));

    /** The protocol transport's push: the envelope as a text frame. */
    static final Publication.Encoding<ByteBuf> ENVELOPE = Publication.Encoding.of("ws-envelope-frame", p ->
            frame(OPCODE_TEXT, p.encoded(Envelopes.ENVELOPE)));

    private SharedFrames() {
    }

    /** An unmasked final frame with {@code opcode} and {@code payload}, in shared direct memory. */
    static ByteBuf frame(int opcode, byte[] payload) {
        return SharedBytes.of(header(opcode, payload.length), payload);
    }

    /** The header of an unmasked final frame of {@code length} payload bytes. */
    static byte[] header(int opcode, long length) {
        byte first = (byte) (0x80 | opcode);
        if (length < 126) {
            return new byte[] {first, (byte) length};
        }
        if (length <= 0xFFFF) {
            return new byte[] {first, 126, (byte) (length >>> 8), (byte) length};
        }
        byte[] h = new byte[10];
        h[0] = first;
        h[1] = 127;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (length >>> (56 - 8 * i));
        }
        return h;
    }
}
