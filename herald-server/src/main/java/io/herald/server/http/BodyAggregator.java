package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Netty's {@link HttpObjectAggregator} with the contract's 413 answer: a request body over the
 * payload limit gets {@code 413 {"error":{"code":"payload_too_large",...}}} with
 * {@code Connection: close}, and the connection is closed once the rest of the body has been read
 * and dropped, or after {@value #DRAIN_MILLIS} ms. Closing while body bytes are still unread would
 * make the kernel reset the connection, and a reset can destroy the 413 before the client reads it
 * (RFC 9112, section 9.6, "tear-down": a server should not close while the client may still be
 * sending). GET requests, which have no body, pass through at once. One per connection; on its
 * event loop.
 */
public final class BodyAggregator extends HttpObjectAggregator {
    /** How long the rest of a refused body may take to arrive before the connection is closed anyway. */
    static final long DRAIN_MILLIS = 2000;

    private final int maxBytes;
    private boolean draining;

    /** @param maxBytes the largest body accepted, in bytes */
    public BodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (draining && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                ctx.close();
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(HttpResponses.errorResponse(false, ErrorCode.PAYLOAD_TOO_LARGE,
                "request body over " + maxBytes + " bytes (expected: at most " + maxBytes + ")"));
        if (oversized instanceof LastHttpContent) {
            ctx.close();
            return;
        }
        draining = true;
        ctx.executor().schedule(() -> {
            ctx.close();
        }, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
    }
}
