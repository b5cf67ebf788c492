package io.herald.server.sockjs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/**
 * A connection a SockJS session writes its frames to (docs/protocol.md, "SockJS"): a polling
 * response (one frame, then it ends), a streaming response (frames until its byte limit) or a
 * WebSocket (frames until the session ends). A session has at most one at a time.
 *
 * <p>Threading: called on the session's event loop; the connection may belong to another loop
 * (Netty queues writes from other threads in order).
 */
interface Receiver {
    /** The connection. */
    Channel channel();

    /**
     * Writes one frame ({@code o}, {@code h}, {@code a[...]} or {@code c[...]}; the body without the
     * transport's framing), flushed. Ownership of {@code body} passes.
     */
    ChannelFuture frame(ByteBuf body);

    /**
     * Writes the message frame of one publication ({@code a["..."]}), flushed, like {@link #frame(ByteBuf)}:
     * a receiver whose framing is the same for every session writes bytes shared by all of them.
     */
    default ChannelFuture frame(SockJsJson.Shared shared) {
        return frame(Unpooled.wrappedBuffer(shared.frame));
    }

    /** Whether the receiver takes no more frames after those written: a poll answered, a stream past its limit. */
    boolean full();

    /** Ends the response (or closes the WebSocket) normally, after what was written. */
    void end();

    /** Ends a WebSocket after a close frame with {@code code} and {@code reason}; HTTP receivers just {@link #end}. */
    default void close(int code, String reason) {
        end();
    }
}
