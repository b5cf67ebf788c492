package io.herald.server.sockjs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP receivers of SockJS (docs/protocol.md, "SockJS"): polling ({@code xhr}, {@code jsonp};
 * one frame, then the response ends) and streaming ({@code xhr_streaming}, {@code eventsource},
 * {@code htmlfile}; a prelude, then frames until {@code responseLimit} bytes were sent). Each kind
 * wraps a frame its own way; Netty's HTTP codec does the chunked encoding (or, for an HTTP/1.0
 * client, none: the stream ends with the connection).
 *
 * <p>One instance per request; called on the session's loop, writes to the request's channel.
 */
final class HttpReceiver implements Receiver {
    /** The transports served over HTTP. */
    enum Kind {
        XHR(false, "application/javascript; charset=UTF-8"),
        JSONP(false, "application/javascript; charset=UTF-8"),
        XHR_STREAMING(true, "application/javascript; charset=UTF-8"),
        EVENTSOURCE(true, "text/event-stream"),
        HTMLFILE(true, "text/html; charset=UTF-8");

        final boolean streaming;
        final String contentType;

        Kind(boolean streaming, String contentType) {
            this.streaming = streaming;
            this.contentType = contentType;
        }
    }

    /** The htmlfile page before the frames; {@code %s} is the callback (checked: {@code [a-zA-Z0-9-_.]+}). */
    private static final String HTMLFILE_HEAD = """
            <!doctype html>
            <html><head>
              <meta http-equiv="X-UA-Compatible" content="IE=edge" />
              <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
            </head><body><h2>Don't panic!</h2>
              <script>
                document.domain = document.domain;
                var c = parent.%s;
                c.start();
                function p(d) {c.message(d);};
                window.onload = function() {c.stop();};
              </script>""";

    private final Channel channel;
    private final Kind kind;
    private final String callback;
    private final boolean keepAlive;
    private final long responseLimit;
    private final HttpHeaders headers;
    private long sent;
    private boolean full;
    private boolean ended;

    /**
     * @param channel       the request's channel
     * @param kind          the transport
     * @param callback      the {@code c} parameter of jsonp and htmlfile, else null
     * @param keepAlive     whether a polling response keeps the connection
     * @param responseLimit a stream ends after this many bytes of frames
     * @param headers       the response headers besides the content type (caching, CORS, cookie)
     */
    HttpReceiver(Channel channel, Kind kind, String callback, boolean keepAlive, long responseLimit, HttpHeaders headers) {
        this.channel = channel;
        this.kind = kind;
        this.callback = callback;
        this.keepAlive = keepAlive;
        this.responseLimit = responseLimit;
        this.headers = headers;
    }

    /** Writes a stream's head and prelude (streaming kinds only), flushed. Call before attaching. */
    void start(HttpVersion requestVersion) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(headers).set(HttpHeaderNames.CONTENT_TYPE, kind.contentType)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (requestVersion.equals(HttpVersion.HTTP_1_1)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        channel.write(response, channel.voidPromise());
        String prelude = switch (kind) {
            case XHR_STREAMING -> "h".repeat(2048) + "\n";
            case EVENTSOURCE -> "\r\n";
            case HTMLFILE -> {
                String head = HTMLFILE_HEAD.formatted(callback);
                yield head + " ".repeat(Math.max(0, 1024 - head.length() + 14)) + "\r\n\r\n";
            }
            default -> throw new IllegalStateException(kind + " is not streaming");
        };
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(prelude, StandardCharsets.UTF_8)),
                channel.voidPromise());
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public ChannelFuture frame(ByteBuf body) {
        if (ended) {
            body.release(); // a poll carries one frame; the session keeps a close frame for the next request
            return channel.newSucceededFuture();
        }
        ByteBuf framed = switch (kind) {
            case XHR, XHR_STREAMING -> Unpooled.wrappedBuffer(body, SockJsSession.ascii("\n"));
            case EVENTSOURCE -> Unpooled.wrappedBuffer(SockJsSession.ascii("data: "), body, SockJsSession.ascii("\r\n\r\n"));
            case HTMLFILE -> script("<script>\np(", body, ");\n</script>\r\n");
            case JSONP -> script("/**/" + callback + "(", body, ");\r\n");
        };
        if (!kind.streaming) {
            full = true;
            ended = true;
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, framed);
            response.headers().set(headers).set(HttpHeaderNames.CONTENT_TYPE, kind.contentType);
            HttpUtil.setContentLength(response, framed.readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            ChannelFuture written = channel.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return written;
        }
        sent += framed.readableBytes();
        if (sent >= responseLimit) {
            full = true;
        }
        return channel.writeAndFlush(new DefaultHttpContent(framed));
    }

    /** A frame as a JavaScript call's string argument: the frame's text quoted once more. */
    private static ByteBuf script(String before, ByteBuf body, String after) {
        String text = body.toString(StandardCharsets.UTF_8);
        body.release();
        return Unpooled.copiedBuffer(before + SockJsJson.quote(text) + after, StandardCharsets.UTF_8);
    }

    @Override
    public boolean full() {
        return full;
    }

    @Override
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }
}
