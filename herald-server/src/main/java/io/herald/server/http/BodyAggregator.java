package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's {@link HttpObjectAggregator} with the contract's 413 answer: a request body over the
 * payload limit gets {@code 413 {"error":{"code":"payload_too_large",...}}} with
 * {@code Connection: close}, and the connection is closed once the rest of the body has been read
 * and dropped, or after {@value LingeringClose#DRAIN_MILLIS} ms ({@link LingeringClose}: closing over
 * unread bytes would reset the connection and could destroy the 413). GET requests, which have no
 * body, pass through at once. One per connection; on its event loop.
 */
public final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;
    /** While the rest of a refused body is dropped: its pending close; else null. */
    private LingeringClose draining;

    /** @param maxBytes the largest body accepted, in bytes */
    public BodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (draining != null && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                draining.bodyEnded();
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        draining = LingeringClose.write(ctx, HttpResponses.errorResponse(false, ErrorCode.PAYLOAD_TOO_LARGE,
                "request body over " + maxBytes + " bytes (expected: at most " + maxBytes + ")"),
                oversized instanceof LastHttpContent);
    }
}
