package io.herald.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;

/**
 * Wire bytes computed once per publication and written, as they are, to every subscriber of a
 * format: a whole HTTP chunk around an SSE event, a whole WebSocket frame around a payload.
 *
 * <p>The bytes live in direct memory owned by the JDK, freed by the garbage collector with the
 * publications that cache them, wrapped in an unreleasable {@link ByteBuf}. Small ones are cut from
 * a {@value #SLAB_BYTES}-byte slab per thread ({@link ByteBuffer#slice(int, int)}; a slab is freed
 * once no publication holds a piece of it), so that a publication costs a copy, not a direct
 * allocation and a cleaner of its own (which made a publication to one subscriber slower than
 * before); larger ones get their own {@link ByteBuffer#allocateDirect}. So they can sit in a
 * publication's encoding cache, which must hold nothing that needs releasing, and a socket write
 * gathers them without copying them into a pooled buffer first (the epoll transport copies heap
 * buffers). A slab held by one long-retained publication keeps at most {@value #SLAB_BYTES} bytes. Each write takes a {@link #view}, a
 * duplicate with its own indexes; releasing a view does nothing. Thread-safe: the bytes never
 * change after {@link #of}.
 */
public final class SharedBytes {
    /** The size of a slab; pieces over a quarter of it are allocated on their own. */
    static final int SLAB_BYTES = 16 * 1024;
    private static final FastThreadLocal<ByteBuffer> SLAB = new FastThreadLocal<>();

    private SharedBytes() {
    }

    /** The concatenation of {@code parts}, in direct memory, unreleasable. */
    public static ByteBuf of(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer direct = allocate(length);
        for (byte[] part : parts) {
            direct.put(part);
        }
        direct.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    }

    /** {@code length} bytes of direct memory: a piece of this thread's slab, or their own for large ones. */
    private static ByteBuffer allocate(int length) {
        if (length > SLAB_BYTES / 4) {
            return ByteBuffer.allocateDirect(length);
        }
        ByteBuffer slab = SLAB.get();
        if (slab == null || slab.remaining() < length) {
            slab = ByteBuffer.allocateDirect(SLAB_BYTES);
            SLAB.set(slab);
        }
        ByteBuffer piece = slab.slice(slab.position(), length);
        slab.position(slab.position() + length);
        return piece;
    }

    /**
     * One HTTP/1.1 chunk (RFC 9112, section 7.1) holding the concatenation of {@code parts}, framed
     * by Netty's {@code HttpResponseEncoder} exactly as the connection's codec would frame it.
     */
    public static ByteBuf chunk(byte[]... parts) {
        return of(NettyFraming.chunk(Unpooled.wrappedBuffer(parts)));
    }

    /**
     * A whole WebSocket frame (RFC 6455, section 5.2), encoded by Netty's server-side
     * {@code WebSocket08FrameEncoder} exactly as the connection's encoder would; {@code frame} is released.
     */
    public static ByteBuf frame(WebSocketFrame frame) {
        return of(NettyFraming.frame(frame));
    }

    /** A view of shared bytes to hand to one write: own indexes, same memory; release is a no-op. */
    public static ByteBuf view(ByteBuf shared) {
        return shared.duplicate();
    }
}
