package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The common part of the WebSocket subscribers: handshake events from Netty's
 * {@code WebSocketClientProtocolHandler} (which, with a {@code WebSocketFrameAggregator}, precedes
 * this handler and answers pings and close frames). A handshake that times out fails the
 * subscription. One instance per connection, used on its event loop.
 */
abstract class WebSocketSubscriberHandler extends SubscriberHandler<WebSocketFrame> {

    WebSocketSubscriberHandler(SubscriberState state, Deliveries deliveries, CompletableFuture<Void> ready,
                               BooleanSupplier closing) {
        super(WebSocketFrame.class, state, deliveries, ready, closing);
    }

    /**
     * The opening handshake completed (status 101): the WebSocket is open. By default nothing: a
     * protocol on the WebSocket (SockJS, Engine.IO) opens with a message of the server's.
     */
    protected void handshakeComplete(ChannelHandlerContext ctx) {
    }

    /**
     * One non-empty text message, copied into the event loop's scratch array
     * ({@link #scratchCopy}): {@code b[0 .. length)}, valid during the call. By default ignored.
     */
    protected void onText(ChannelHandlerContext ctx, byte[] b, int length) {
    }

    /** Hands each non-empty text frame to {@link #onText}; other frames are ignored. */
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame && frame.content().isReadable()) {
            onText(ctx, scratchCopy(frame.content()), frame.content().readableBytes());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            handshakeComplete(ctx);
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(ctx, new WebSocketHandshakeException("WebSocket handshake timed out"));
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Sends one text message (commands and pongs: a few per connection, not per publication). */
    protected static void send(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(new TextWebSocketFrame(text)).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
    }
}
