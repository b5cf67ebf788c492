package io.herald.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * An SSE subscriber: sends {@code GET} with {@code Accept: text/event-stream}, counts as subscribed
 * on a {@code 200} response, and feeds the body to an {@link SseParser}; each event's data is
 * accounted as a payload. Follows {@code HttpClientCodec} in the pipeline. One instance per
 * connection, used on its event loop.
 *
 * <p>With a resume action ({@code herald-bench --resume}), it behaves as a browser's
 * {@code EventSource}: when the connection ends (the server's goodbye, e.g. {@code 4001}, or a
 * dropped connection) it keeps the last event id and asks for a reconnect, which sends it as
 * {@code Last-Event-ID}; a {@code herald-reset} event is accounted as a reset.
 */
final class SseSubscriberHandler extends SubscriberHandler<HttpObject> implements SseParser.Listener {
    private final String requestTarget;
    private final String host;
    private final SseParser parser = new SseParser(this);
    private boolean streaming;

    /**
     * @param requestTarget the path and query, e.g. {@code /sse/bench}
     * @param host          the {@code Host} header
     * @param headers       extra headers, {@code "Name: value"}
     */
    SseSubscriberHandler(String requestTarget, String host, java.util.List<String> headers, SubscriberState state,
                         Deliveries deliveries, CompletableFuture<Void> ready, BooleanSupplier closing) {
        this(requestTarget, host, headers, state, deliveries, ready, closing, null);
    }

    /**
     * @param resume called on the event loop when a subscribed connection ended and the run is not
     *               closing (the subscriber should reconnect with its last event id); null for none
     */
    SseSubscriberHandler(String requestTarget, String host, java.util.List<String> headers, SubscriberState state,
                         Deliveries deliveries, CompletableFuture<Void> ready, BooleanSupplier closing, Runnable resume) {
        super(HttpObject.class, state, deliveries, ready, closing);
        this.requestTarget = requestTarget;
        this.host = host;
        this.headers = headers;
        this.resume = resume;
    }

    private final java.util.List<String> headers;
    private final Runnable resume;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, requestTarget,
                Unpooled.EMPTY_BUFFER);
        request.headers()
                .set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.ACCEPT, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        BenchConfig.addHeaders(request.headers(), headers);
        if (resume != null && state.lastEventId() != null) {
            request.headers().set("Last-Event-ID", state.lastEventId());
        }
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, f.cause());
            }
        });
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg instanceof HttpResponse response) {
            if (!response.status().equals(HttpResponseStatus.OK)) {
                fail(ctx, new IOException("GET " + requestTarget + " answered " + response.status()));
                return;
            }
            streaming = true;
            subscribed();
        }
        if (msg instanceof HttpContent content && streaming) {
            ByteBuf buf = content.content();
            int length = buf.readableBytes();
            if (length > 0) {
                parser.feed(scratchCopy(buf), 0, length);
            }
            if (msg instanceof LastHttpContent) {
                streaming = false;
                ctx.close();
            }
        }
    }

    @Override
    public void onEvent(String type, byte[] data, int length) {
        if (resume != null && "herald-reset".equals(type)) {
            state.onReset();
        }
        // An envelope (format=envelope, or a request of several channels): the payload is its "data" string.
        int from = envelopeData(data, length);
        onMessage(type, data, from, length - from);
    }

    private static final byte[] DATA_STRING = "\"data\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Where the {@code "data"} string of a JSON envelope starts in {@code data}, or 0 when it is no envelope. */
    static int envelopeData(byte[] data, int length) {
        if (length == 0 || data[0] != '{') {
            return 0;
        }
        int at = indexOf(data, 1, length, DATA_STRING);
        return at < 0 ? 0 : at + DATA_STRING.length;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        boolean wasStreaming = subscribedOk();
        super.channelInactive(ctx);
        if (resume != null && wasStreaming && !closing()) {
            state.lastEventId(parser.lastEventId());
            resume.run();
        }
    }
}
