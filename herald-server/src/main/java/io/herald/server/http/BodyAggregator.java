package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

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
        byte[] body = HttpResponses.errorBody(ErrorCode.PAYLOAD_TOO_LARGE,
                "request body over " + maxBytes + " bytes (expected: at most " + maxBytes + ")");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpResponses.JSON);
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
