package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A raw WebSocket subscriber: counts as subscribed when Netty's
 * {@code WebSocketClientProtocolHandler} reports the handshake complete, then accounts each text
 * or binary frame as one payload. Follows {@code WebSocketClientProtocolHandler} and a
 * {@code WebSocketFrameAggregator} in the pipeline (they answer pings and close frames).
 * One instance per connection, used on its event loop.
 */
final class WsSubscriberHandler extends WebSocketSubscriberHandler {

    WsSubscriberHandler(SubscriberState state, Deliveries deliveries, CompletableFuture<Void> ready,
                        BooleanSupplier closing) {
        super(state, deliveries, ready, closing);
    }

    @Override
    protected void handshakeComplete(ChannelHandlerContext ctx) {
        subscribed();
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
