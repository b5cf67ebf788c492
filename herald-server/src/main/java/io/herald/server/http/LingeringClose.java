package io.herald.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The close of an HTTP/1.1 connection after a response that refused a request whose body is still
 * arriving: the response is written at once, and the connection is closed when the rest of the body
 * has been read and dropped by the caller ({@link #bodyEnded()}), or after {@value #DRAIN_MILLIS} ms,
 * whichever comes first. Closing while body bytes are still unread makes the kernel reset the
 * connection, and a reset can destroy the response before the client reads it (RFC 9112, section
 * 9.6, "Tear-down": a server should not close while the client may still be sending). On an HTTP/2
 * stream, where closing the stream resets only the stream after its response (RFC 9113, section
 * 8.1), and when the body has already ended, the connection (stream) is closed right after the write.
 *
 * <p>Used by every answer that refuses a request before reading its body: the 413 of
 * {@link BodyAggregator} and the refusals of {@link io.herald.server.edge.RequestGuard}
 * (docs/protocol.md, "HTTP conventions"). One per refused request, on the connection's event loop.
 */
public final class LingeringClose {
    /** How long the rest of a refused body may take to arrive before the connection is closed anyway, in ms. */
    public static final long DRAIN_MILLIS = 2000;

    private final ChannelFuture written;
    /** The close after {@link #DRAIN_MILLIS}; null when the close follows the write at once. */
    private final ScheduledFuture<?> deadline;

    private LingeringClose(ChannelFuture written, ScheduledFuture<?> deadline) {
        this.written = written;
        this.deadline = deadline;
    }

    /**
     * Writes and flushes {@code response} (which should say {@code Connection: close}) and arranges the
     * close.
     *
     * @param ctx       the handler's context; its event loop must be the caller's thread
     * @param response  the whole refusal
     * @param bodyEnded whether the request's body has been read to its end already (or it has none)
     * @return the close, to be told {@link #bodyEnded()} (which does nothing when the close was
     *         arranged at once: body ended, or an HTTP/2 stream)
     */
    public static LingeringClose write(ChannelHandlerContext ctx, FullHttpResponse response, boolean bodyEnded) {
        ChannelFuture written = ctx.writeAndFlush(response);
        if (bodyEnded || ctx.channel() instanceof Http2StreamChannel) {
            written.addListener(ChannelFutureListener.CLOSE);
            return new LingeringClose(written, null);
        }
        ScheduledFuture<?> deadline = ctx.executor().schedule(
                () -> written.addListener(ChannelFutureListener.CLOSE), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        return new LingeringClose(written, deadline);
    }

    /** The whole future of the response's write (for listeners that close more, e.g. an HTTP/2 parent). */
    public ChannelFuture written() {
        return written;
    }

    /** The rest of the body has been read and dropped: closes once the response is written. Idempotent. */
    public void bodyEnded() {
        if (deadline != null && deadline.cancel(false)) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
