package io.herald.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Wire bytes computed once per publication and written, as they are, to every subscriber of a
 * format: a whole HTTP chunk around an SSE event, a whole WebSocket frame around a payload.
 *
 * <p>The bytes live in direct memory owned by the JDK ({@link ByteBuffer#allocateDirect}, freed by
 * the garbage collector with the publication that caches them), wrapped in an unreleasable
 * {@link ByteBuf}: so they can sit in a publication's encoding cache, which must hold nothing
 * that needs releasing, and a socket write gathers them without copying them into a pooled
 * buffer first (the epoll transport copies heap buffers). Each write takes a {@link #view}, a
 * duplicate with its own indexes; releasing a view does nothing. Thread-safe: the bytes never
 * change after {@link #of}.
 */
public final class SharedBytes {
    private static final byte[] CRLF = {'\r', '\n'};

    private SharedBytes() {
    }

    /** The concatenation of {@code parts}, in direct memory, unreleasable. */
    public static ByteBuf of(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(length);
        for (byte[] part : parts) {
            direct.put(part);
        }
        direct.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    }

    /**
     * One HTTP/1.1 chunk (RFC 9112, section 7.1) holding the concatenation of {@code parts}:
     * {@code SIZE-IN-HEX CRLF data CRLF}.
     */
    public static ByteBuf chunk(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[][] all = new byte[parts.length + 2][];
        all[0] = (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(parts, 0, all, 1, parts.length);
        all[all.length - 1] = CRLF;
        return of(all);
    }

    /** A view of shared bytes to hand to one write: own indexes, same memory; release is a no-op. */
    public static ByteBuf view(ByteBuf shared) {
        return shared.duplicate();
    }
}
