package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A raw WebSocket subscriber: counts as subscribed when Netty's
 * {@code WebSocketClientProtocolHandler} reports the handshake complete, then accounts each text
 * or binary frame as one payload. Follows {@code WebSocketClientProtocolHandler} and a
 * {@code WebSocketFrameAggregator} in the pipeline (they answer pings and close frames).
 * One instance per connection, used on its event loop.
 */
final class WsSubscriberHandler extends SubscriberHandler<WebSocketFrame> {

    WsSubscriberHandler(SubscriberState state, Deliveries deliveries, CompletableFuture<Void> ready,
                        BooleanSupplier closing) {
        super(WebSocketFrame.class, state, deliveries, ready, closing);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            subscribed();
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(ctx, new WebSocketHandshakeException("WebSocket handshake timed out"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            if (!state.onPayload(frame.content(), receiveMicros())) {
                deliveries.recordMalformed();
            }
        }
    }
}
