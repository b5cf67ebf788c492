package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A Socket.IO-over-WebSocket subscriber (Engine.IO v4, Socket.IO v5; docs/protocol.md,
 * "Socket.IO"): on {@code GET /socket.io/?EIO=4&transport=websocket} the server's open packet
 * {@code 0{...}} is answered by {@code 40} (CONNECT to {@code /}); the CONNECT answer
 * {@code 40{...}} by {@code 421["subscribe",{"channel":"C"}]} (an event with ack id 1); its ack
 * {@code 431[{"ok":true,...}]} makes it subscribed (any other ack fails it). Pings {@code 2} are
 * answered {@code 3}. Each {@code 42["publication",ENVELOPE,...]} is accounted as a payload (the
 * envelope's {@code "data"} string); other events as control events; {@code 1}, {@code 41} and
 * {@code 44} end the connection.
 *
 * <p>Packets are read from a copy of the frame in the event loop's scratch array: no allocation
 * per publication. Follows {@code WebSocketClientProtocolHandler} and a
 * {@code WebSocketFrameAggregator}. One instance per connection, used on its event loop.
 */
final class SocketIoSubscriberHandler extends WebSocketSubscriberHandler {
    private static final byte[] PUBLICATION = "42[\"publication\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\"data\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "\"ok\":true".getBytes(StandardCharsets.US_ASCII);

    private final String subscribe;

    /**
     * @param channel the channel to subscribe to (a valid channel name: no character to escape)
     */
    SocketIoSubscriberHandler(String channel, SubscriberState state, Deliveries deliveries,
                              CompletableFuture<Void> ready, BooleanSupplier closing) {
        super(state, deliveries, ready, closing);
        this.subscribe = "421[\"subscribe\",{\"channel\":\"" + channel + "\"}]";
    }

    @Override
    protected void onText(ChannelHandlerContext ctx, byte[] b, int length) {
        switch (b[0]) {
            case '0' -> send(ctx, "40");
            case '2' -> send(ctx, "3");
            case '6' -> { }
            case '1' -> fail(ctx, new IOException("Engine.IO close packet"));
            case '4' -> socketIo(ctx, b, length);
            default -> deliveries.recordMalformed();
        }
    }

    /** A Socket.IO packet in an Engine.IO message {@code b[0 .. length)} ({@code b[0]} is '4'). */
    private void socketIo(ChannelHandlerContext ctx, byte[] b, int length) {
        byte type = length > 1 ? b[1] : 0;
        switch (type) {
            case '0' -> send(ctx, subscribe);
            case '2' -> {
                if (indexOf(b, 0, Math.min(length, PUBLICATION.length), PUBLICATION) == 0) {
                    int data = indexOf(b, PUBLICATION.length, length, DATA);
                    int from = data + DATA.length;
                    if (data < 0 || !state.onPayload(b, from, length - from, receiveMicros())) {
                        deliveries.recordMalformed();
                    }
                } else {
                    deliveries.recordControlEvent();
                }
            }
            case '3' -> {
                if (indexOf(b, 0, length, OK) >= 0) {
                    subscribed();
                } else {
                    fail(ctx, new IOException("subscribe refused: " + new String(b, 0, length, StandardCharsets.UTF_8)));
                }
            }
            default -> fail(ctx, new IOException("Socket.IO packet: " + new String(b, 0, length, StandardCharsets.UTF_8)));
        }
    }
}
