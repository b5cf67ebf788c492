package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A SockJS-over-WebSocket subscriber ({@code GET /sockjs/{server}/{session}/websocket},
 * docs/protocol.md, "SockJS"): one SockJS frame per text frame, {@code o} (open), {@code h}
 * (heartbeat), {@code a["m1","m2"]} (messages, each a JSON string), {@code c[code,"reason"]}
 * (close). On {@code o} it sends the WebSocket protocol's subscribe command
 * ({@code {"id":1,"op":"subscribe","channel":"C"}}, docs/protocol.md, "WebSocket protocol") as a
 * SockJS message; the reply ({@code "ok":true}) makes it subscribed. Each message holding an
 * envelope's {@code "data"} string is accounted as a payload; other messages (replies, events) as
 * control events.
 *
 * <p>Messages are found in a copy of the frame in the event loop's scratch array: no allocation
 * per publication. The benchmark payload is ASCII letters, digits and spaces, so the SockJS string
 * holds it unescaped. Follows {@code WebSocketClientProtocolHandler} and a
 * {@code WebSocketFrameAggregator}. One instance per connection, used on its event loop.
 */
final class SockJsSubscriberHandler extends WebSocketSubscriberHandler {
    /** An envelope's data string, as it appears escaped inside a SockJS message: {@code \"data\":\"}. */
    private static final byte[] DATA = "\\\"data\\\":\\\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "\\\"ok\\\":true".getBytes(StandardCharsets.US_ASCII);

    /** The subscribe command as a SockJS message: a JSON array of one string. */
    private final String subscribe;

    /**
     * @param channel the channel to subscribe to (a valid channel name: no character to escape)
     */
    SockJsSubscriberHandler(String channel, SubscriberState state, Deliveries deliveries,
                            CompletableFuture<Void> ready, BooleanSupplier closing) {
        super(state, deliveries, ready, closing);
        this.subscribe = "[\"{\\\"id\\\":1,\\\"op\\\":\\\"subscribe\\\",\\\"channel\\\":\\\"" + channel + "\\\"}\"]";
    }

    @Override
    protected void onText(ChannelHandlerContext ctx, byte[] b, int length) {
        switch (b[0]) {
            case 'o' -> send(ctx, subscribe);
            case 'h' -> { }
            case 'a' -> messages(ctx, b, length);
            case 'c' -> fail(ctx, new IOException("SockJS session closed: "
                    + new String(b, 0, length, StandardCharsets.UTF_8)));
            default -> deliveries.recordMalformed();
        }
    }

    /** The messages of {@code a["m1","m2",...]} in {@code b[0 .. length)}. */
    private void messages(ChannelHandlerContext ctx, byte[] b, int length) {
        int i = 1;
        if (i >= length || b[i] != '[') {
            deliveries.recordMalformed();
            return;
        }
        i++;
        while (i < length && b[i] == '"') {
            int start = i + 1;
            int end = start;
            while (end < length && b[end] != '"') {
                end += b[end] == '\\' ? 2 : 1;
            }
            if (end >= length) {
                deliveries.recordMalformed();
                return;
            }
            message(ctx, b, start, end);
            i = end + 1;
            if (i < length && b[i] == ',') {
                i++;
            }
        }
    }

    /** One message, the JSON string's contents {@code b[start .. end)} (still escaped). */
    private void message(ChannelHandlerContext ctx, byte[] b, int start, int end) {
        int data = indexOf(b, start, end, DATA);
        if (data >= 0) {
            int from = data + DATA.length;
            if (!state.onPayload(b, from, end - from, receiveMicros())) {
                deliveries.recordMalformed();
            }
        } else if (!subscribedOk() && indexOf(b, start, end, OK) >= 0) {
            subscribed();
        } else if (!subscribedOk()) {
            fail(ctx, new IOException("subscribe refused: " + new String(b, start, end - start, StandardCharsets.UTF_8)));
        } else {
            deliveries.recordControlEvent();
        }
    }
}
