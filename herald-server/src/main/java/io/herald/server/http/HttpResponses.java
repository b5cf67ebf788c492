package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.server.codec.WireErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Writes the server's HTTP responses: whole JSON or text bodies, the contract's error body, and
 * the head of streaming responses. Every response allows cross-origin reads
 * ({@code Access-Control-Allow-Origin: *}), since pages on other origins subscribe too; with an
 * origin allow-list, {@link io.herald.server.edge.RequestGuard} replaces that header on its way out
 * with the request's allowed origin, or removes it.
 * Stateless; call on the connection's event loop.
 *
 * <p>Wire contract: docs/protocol.md, "HTTP conventions".
 */
public final class HttpResponses {
    /** {@code application/json} with UTF-8. */
    public static final AsciiString JSON = AsciiString.cached("application/json; charset=utf-8");
    private static final AsciiString ANY = AsciiString.cached("*");
    private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
    private static final AsciiString NO = AsciiString.cached("no");

    private HttpResponses() {
    }

    /**
     * Sends a whole response and, unless the request asked for keep-alive, closes the connection
     * after it (RFC 9112, section 9.3); on an HTTP/2 stream the channel is the stream, so it is the
     * stream that ends, and the connection-specific headers set here are left out of the HEADERS
     * frame (docs/protocol.md, "TLS and HTTP/2"). Callable from any thread.
     *
     * @param keepAlive whether the request asked to keep the connection ({@link HttpUtil#isKeepAlive})
     * @param body      the body; ownership passes to this method
     * @return the write's future
     */
    public static ChannelFuture send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
                            CharSequence contentType, ByteBuf body) {
        return send(ctx, keepAlive, status, contentType, body, Privacy.PUBLIC);
    }

    /**
     * {@link #send(ChannelHandlerContext, boolean, HttpResponseStatus, CharSequence, ByteBuf)} with the
     * caching headers of {@code privacy} (an authenticated read's answer is never stored).
     */
    public static ChannelFuture send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
                            CharSequence contentType, ByteBuf body, Privacy privacy) {
        return write(ctx, response(keepAlive, status, contentType, body, privacy));
    }

    /**
     * A whole response as {@link #send} writes it, not yet written: for a caller that adds headers.
     *
     * @param body the body; ownership passes to the response
     */
    public static FullHttpResponse response(boolean keepAlive, HttpResponseStatus status, CharSequence contentType,
                                            ByteBuf body) {
        return response(keepAlive, status, contentType, body, Privacy.PUBLIC);
    }

    /** {@link #response(boolean, HttpResponseStatus, CharSequence, ByteBuf)} with the caching headers of {@code privacy}. */
    public static FullHttpResponse response(boolean keepAlive, HttpResponseStatus status, CharSequence contentType,
                                            ByteBuf body, Privacy privacy) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        privacy.apply(h);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
        HttpUtil.setContentLength(response, body.readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive && status.code() < 500);
        if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            h.set(HttpHeaderNames.ALLOW, "GET, POST, OPTIONS");
        }
        return response;
    }

    /** The contract's error response for {@code code} (see {@link #error(ChannelHandlerContext, boolean, ErrorCode, String)}), not yet written. */
    public static FullHttpResponse errorResponse(boolean keepAlive, ErrorCode code, String message) {
        return response(keepAlive, WireErrors.httpStatus(code), JSON, Unpooled.wrappedBuffer(WireErrors.httpBody(code, message)));
    }

    /**
     * Writes and flushes a whole response, and closes the connection (on HTTP/2: the stream) after
     * it unless it keeps the connection alive. Callable from any thread.
     */
    public static ChannelFuture write(ChannelHandlerContext ctx, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(response);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
        return future;
    }

    /** Sends a 200 JSON response; {@code json} is not copied. */
    public static void json(ChannelHandlerContext ctx, boolean keepAlive, byte[] json) {
        json(ctx, keepAlive, json, Privacy.PUBLIC);
    }

    /** Sends a 200 JSON response with the caching headers of {@code privacy}; {@code json} is not copied. */
    public static void json(ChannelHandlerContext ctx, boolean keepAlive, byte[] json, Privacy privacy) {
        send(ctx, keepAlive, HttpResponseStatus.OK, JSON, Unpooled.wrappedBuffer(json), privacy);
    }

    /** Sends the contract's error body for {@code error}. */
    public static void error(ChannelHandlerContext ctx, boolean keepAlive, HeraldException error) {
        error(ctx, keepAlive, error.code(), error.getMessage());
    }

    /**
     * Sends the contract's error body for what a future failed with ({@link WireErrors#failure}).
     *
     * @param what the operation, for the log of an unexpected failure, e.g. {@code "GET /history/c"}
     */
    public static void error(ChannelHandlerContext ctx, boolean keepAlive, Throwable error, String what) {
        error(ctx, keepAlive, WireErrors.failure(error, what));
    }

    /**
     * Sends {@code {"error":{"code":"...","message":"..."}}} with the code's HTTP status
     * ({@link WireErrors}, docs/protocol.md "Errors").
     *
     * @return the write's future
     */
    public static ChannelFuture error(ChannelHandlerContext ctx, boolean keepAlive, ErrorCode code, String message) {
        return write(ctx, errorResponse(keepAlive, code, message));
    }

    /**
     * Sends the error body of an access-control refusal with its {@code WWW-Authenticate} challenge
     * ({@link WireErrors#challenge}, RFC 6750 section 3) when the code has one.
     *
     * @param credentialPresented whether the request carried a credential (it decides the challenge)
     */
    public static void refusal(ChannelHandlerContext ctx, boolean keepAlive, HeraldException refusal,
                               boolean credentialPresented) {
        FullHttpResponse response = errorResponse(keepAlive, refusal.code(), refusal.getMessage());
        String challenge = WireErrors.challenge(refusal.code(), credentialPresented);
        if (challenge != null) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        }
        write(ctx, response);
    }

    /**
     * The head of a streaming response (SSE, XHR streaming, forever iframe): 200, chunked, not
     * cached, not buffered by proxies ({@code X-Accel-Buffering: no}), and {@code Connection: close}:
     * a stream ends only with its connection (a goodbye closes it), so a client must not pool the
     * connection for another request once the last chunk arrived (RFC 9112, section 9.6). With
     * {@code keep-alive} a client could reuse it in the moment before the close reached it, and its
     * next request would get no answer. HTTP/2 drops the header (RFC 9113, section 8.2.2).
     */
    public static HttpResponse streamHead(CharSequence contentType) {
        return streamHead(contentType, Privacy.PUBLIC);
    }

    /** {@link #streamHead(CharSequence)} with the caching headers of {@code privacy}. */
    public static HttpResponse streamHead(CharSequence contentType, Privacy privacy) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        privacy.apply(h);
        h.set(X_ACCEL_BUFFERING, NO);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setTransferEncodingChunked(response, true);
        return response;
    }

    /**
     * Answers a CORS preflight (Fetch standard, "CORS protocol") with 204: methods {@code GET, POST},
     * request headers {@code Authorization, Content-Type, Idempotency-Key, Last-Event-ID} (never {@code X-API-Key}, so
     * a server's key is never usable from a page), cached 600 s. The origin answered is decided
     * per request by {@link io.herald.server.edge.RequestGuard} (docs/protocol.md, "HTTP conventions").
     */
    public static void preflight(ChannelHandlerContext ctx, HttpRequest request) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
        h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        HttpUtil.setContentLength(response, 0);
        HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
        var future = ctx.writeAndFlush(response);
        if (!HttpUtil.isKeepAlive(request)) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
