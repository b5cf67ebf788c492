package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-polling subscriber of Herald's {@code GET /longpoll/{channel}?since=ID&timeout=S}: sends
 * one request at a time on a keep-alive connection and, on each
 * {@code {"messages":[envelope...],"next":"ID","reset":false}} answer, accounts every envelope's
 * {@code data} (or {@code data_b64}) as a payload and polls again from {@code next}.
 *
 * <p>It counts as subscribed once the first request is written: the server registers the poll
 * a little later, which the run's settle pause covers. An error status is counted and the poll
 * retried after 200 ms. Follows {@code HttpClientCodec} and {@code HttpObjectAggregator} in the
 * pipeline. One instance per connection, used on its event loop.
 */
final class LongPollSubscriberHandler extends SubscriberHandler<FullHttpResponse> {
    private static final Logger log = LoggerFactory.getLogger(LongPollSubscriberHandler.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String path;
    private final String host;
    private final long timeoutSeconds;
    private String since;

    /**
     * @param requestTarget  the path and query without {@code since} and {@code timeout}
     * @param host           the {@code Host} header
     * @param headers        extra headers, {@code "Name: value"}
     * @param timeoutSeconds the {@code timeout} parameter
     */
    LongPollSubscriberHandler(String requestTarget, String host, java.util.List<String> headers, long timeoutSeconds,
                              SubscriberState state, Deliveries deliveries, CompletableFuture<Void> ready,
                              BooleanSupplier closing) {
        super(FullHttpResponse.class, state, deliveries, ready, closing);
        this.path = requestTarget;
        this.host = host;
        this.headers = headers;
        this.timeoutSeconds = timeoutSeconds;
    }

    private final java.util.List<String> headers;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        poll(ctx, true);
        super.channelActive(ctx);
    }

    private void poll(ChannelHandlerContext ctx, boolean first) {
        if (!ctx.channel().isActive() || closing()) {
            return;
        }
        StringBuilder uri = new StringBuilder(path).append(path.indexOf('?') < 0 ? '?' : '&');
        if (since != null) {
            uri.append("since=").append(URLEncoder.encode(since, StandardCharsets.UTF_8)).append('&');
        }
        uri.append("timeout=").append(timeoutSeconds);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri.toString(),
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.ACCEPT, "application/json");
        BenchConfig.addHeaders(request.headers(), headers);
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, f.cause());
            } else if (first) {
                subscribed();
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (!response.status().equals(HttpResponseStatus.OK)) {
            deliveries.recordPollError();
            log.debug("long poll {} answered {}", path, response.status());
            ctx.executor().schedule(() -> poll(ctx, false), 200, TimeUnit.MILLISECONDS);
            return;
        }
        try {
            JsonNode body = MAPPER.readTree(new ByteBufInputStream(response.content()));
            if (body.path("reset").asBoolean(false)) {
                deliveries.recordReset();
            }
            for (JsonNode envelope : body.path("messages")) {
                byte[] data = data(envelope);
                if (data == null) {
                    deliveries.recordMalformed();
                } else {
                    onMessage(envelope.path("event").asText("message"), data, 0, data.length);
                }
            }
            if (body.hasNonNull("next")) {
                since = body.get("next").asText();
            }
        } catch (IOException e) {
            deliveries.recordPollError();
            log.debug("long poll {}: unreadable body: {}", path, e.toString());
        }
        poll(ctx, false);
    }

    private static byte[] data(JsonNode envelope) {
        JsonNode data = envelope.get("data");
        if (data != null && data.isTextual()) {
            return data.asText().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode b64 = envelope.get("data_b64");
        if (b64 != null && b64.isTextual()) {
            try {
                return Base64.getDecoder().decode(b64.asText());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return data == null ? null : data.toString().getBytes(StandardCharsets.UTF_8);
    }
}
