package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Netty's {@link HttpObjectAggregator} with the contract's 413 answer: a request body over the
 * payload limit gets {@code 413 {"error":{"code":"payload_too_large",...}}} and the connection is
 * closed (the rest of the body is not read). GET requests, which have no body, pass through at once.
 * One per connection.
 */
public final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    /** @param maxBytes the largest body accepted, in bytes */
    public BodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        HttpResponses.error(ctx, false, ErrorCode.PAYLOAD_TOO_LARGE,
                "request body over " + maxBytes + " bytes (expected: at most " + maxBytes + ")");
    }
}
