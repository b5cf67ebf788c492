package io.herald.server.edge;

import io.herald.core.ErrorCode;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.LingeringClose;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request half of the {@link Edge}, right after the HTTP codec (and the access log and
 * response counter, so they see its answers), before the router:
 * <ol>
 *   <li>a request head over the codec's limit: 431 {@code headers_too_large}, closed;</li>
 *   <li>a connection over its per-address limits ({@link ConnectionGuard}), or, behind a trusted
 *       proxy, a request whose forwarded client is over them: 429 {@code too_many_requests} with
 *       {@code Retry-After}, closed, before any route (so before any WebSocket upgrade);</li>
 *   <li>an {@code Origin} that is present, not on the allow-list and not the server's own origin:
 *       403 {@code origin_not_allowed}, closed; a WebSocket upgrade thus never gets its 101. No
 *       {@code Origin} passes;</li>
 *   <li>a body that does not arrive within {@code limits.request-body-timeout}: 408
 *       {@code request_timeout}, closed; the route never sees the request.</li>
 * </ol>
 * On the way out it gives every final response (not a {@code 100 Continue} nor a WebSocket
 * {@code 101}, which stay as they are) {@code X-Content-Type-Options: nosniff}; with an
 * allow-list, the request's allowed origin instead of {@code *} in
 * {@code Access-Control-Allow-Origin}, {@code Vary: Origin}, and
 * {@code Access-Control-Allow-Credentials: true} when cookie authentication is on; read paths
 * ({@code /sse}, {@code /stream}, {@code /iframe}, {@code /longpoll}, {@code /poll}, {@code /history})
 * {@code Referrer-Policy: no-referrer}; {@code /iframe} its {@code frame-ancestors} policy. On
 * HTTP/1.1 the end of a response restarts the connection's head deadline when no request is pending.
 *
 * <p>Wire contract: docs/protocol.md, "HTTP conventions" and "Limits". One per HTTP/1.1 connection
 * or HTTP/2 stream; on its event loop. Pipelined HTTP/1.1 requests share the CORS decision of the
 * latest head (a page's requests carry the same {@code Origin}).
 */
public final class RequestGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);
    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString TRUE = AsciiString.cached("true");

    /** What a path's responses get besides {@code nosniff}. */
    private enum Kind { OTHER, READ, IFRAME }

    private final Edge edge;
    private ConnectionGuard connection;
    /** Heads received minus responses ended (HTTP/1.1 pipelining). */
    private int pending;
    /** Dropping the rest of a refused request's body. */
    private boolean discarding;
    /** The close waiting for the end of that body ({@link LingeringClose}), or null. */
    private LingeringClose lingering;
    private boolean upgraded;
    private boolean interim;
    /** The current request's allowed cross-origin {@code Origin}, echoed; null for none. */
    private String allowedOrigin;
    private Kind kind = Kind.OTHER;
    /** The forwarded client counted for the current request (behind a trusted proxy), or null. */
    private InetAddress counted;
    private ScheduledFuture<?> bodyDeadline;

    RequestGuard(Edge edge) {
        this.edge = edge;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            head(ctx, request);
        } else if (msg instanceof HttpContent content) {
            if (discarding) {
                discarding = !(content instanceof LastHttpContent);
                content.release();
                if (!discarding && lingering != null) {
                    lingering.bodyEnded();
                }
                return;
            }
            if (content instanceof LastHttpContent) {
                bodyArrived();
            }
            ctx.fireChannelRead(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, HttpRequest request) {
        pending++;
        if (connection == null) {
            connection = ConnectionGuard.of(ctx.channel());
        }
        if (connection != null) {
            connection.headArrived();
        }
        String uri = request.uri();
        kind = uri.startsWith("/iframe/") ? Kind.IFRAME
                : uri.startsWith("/sse/") || uri.startsWith("/stream/") || uri.startsWith("/longpoll/")
                || uri.startsWith("/poll/") || uri.startsWith("/history/") ? Kind.READ : Kind.OTHER;
        HttpHeaders headers = request.headers();
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        allowedOrigin = origin != null && !edge.origins.isEmpty() && edge.origins.allows(origin) ? origin : null;
        Throwable failure = request.decoderResult().cause();
        if (failure instanceof TooLongHttpHeaderException) {
            refuse(ctx, request, ErrorCode.HEADERS_TOO_LARGE, "request head over the server's limit of 8192 bytes"
                    + " of headers (expected: fewer or shorter headers)", 0, false);
            return;
        }
        if (failure instanceof TooLongFrameException) {
            refuse(ctx, request, ErrorCode.INVALID_PARAMETER, "request line over the server's limit of 4096 bytes", 0, false);
            return;
        }
        PerIpLimits.Admission refusal = connection == null ? null : connection.refusal();
        if (refusal == null) {
            refusal = forwarded(ctx.channel(), headers);
        }
        if (refusal != null) {
            refuse(ctx, request, ErrorCode.TOO_MANY_REQUESTS, refusal.refusal() + "; retry later",
                    refusal.retryAfterSeconds(), true);
            return;
        }
        if (origin != null && allowedOrigin == null && !edge.origins.isEmpty()
                && !Origins.sameOrigin(origin, headers.get(HttpHeaderNames.HOST), edge.scheme)) {
            log.debug("request from {} with Origin {} refused", ClientAddress.describe(ctx.channel()), origin);
            refuse(ctx, request, ErrorCode.ORIGIN_NOT_ALLOWED, "origin " + origin
                    + " is not allowed (expected: one of cors.allowed-origins, or no Origin)", 0, false);
            return;
        }
        if (!(request instanceof LastHttpContent)
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0)) {
            bodyDeadline = ctx.executor().schedule(() -> bodyTimedOut(ctx), edge.bodyTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(request);
    }

    /**
     * Behind a trusted proxy: records the forwarded client ({@link ClientAddress}) and counts this
     * request against its per-address limits; the refusal when over them, else null.
     */
    private PerIpLimits.Admission forwarded(Channel channel, HttpHeaders headers) {
        InetAddress peer = ClientAddress.peer(channel);
        if (peer == null || edge.trustedProxies.isEmpty() || !edge.trustedProxies.contains(peer)) {
            return null;
        }
        InetAddress client = ClientAddress.resolve(peer, headers, edge.trustedProxies);
        ClientAddress.set(channel, client);
        release();
        if (!edge.perIp.enabled() || edge.trustedProxies.contains(client)) {
            return null;
        }
        PerIpLimits.Admission a = edge.perIp.admit(client, System.nanoTime());
        if (a.admitted() && a.tracked()) {
            counted = client;
        }
        return a.admitted() ? null : a;
    }

    /**
     * Answers {@code code} instead of routing {@code request}, drops the rest of its body, and closes
     * the connection (an HTTP/2 stream only, unless {@code connection}: the whole connection is refused).
     */
    private void refuse(ChannelHandlerContext ctx, HttpRequest request, ErrorCode code, String message, long retryAfter,
                        boolean connection) {
        discarding = !(request instanceof LastHttpContent);
        ReferenceCountUtil.release(request);
        cancelBodyDeadline();
        FullHttpResponse response = HttpResponses.errorResponse(false, code, message);
        if (retryAfter > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        decorate(response);
        ended(ctx);
        var written = refusal(ctx, response);
        if (connection) {
            written.addListener(f -> closeConnection(ctx.channel()));
        }
    }

    /**
     * Writes a refusal ({@code Connection: close}) and closes once the rest of the request's body has been
     * dropped, or after {@link LingeringClose#DRAIN_MILLIS} ms: never over unread body bytes, whose reset
     * could destroy the answer before the client reads it.
     */
    private ChannelFuture refusal(ChannelHandlerContext ctx, FullHttpResponse response) {
        lingering = LingeringClose.write(ctx, response, !discarding);
        return lingering.written();
    }

    /** On an HTTP/2 stream, closes its connection too (GOAWAY), as HTTP/1.1's answer closes the socket. */
    private static void closeConnection(Channel channel) {
        if (channel instanceof Http2StreamChannel) {
            channel.parent().close();
        }
    }

    private void bodyTimedOut(ChannelHandlerContext ctx) {
        bodyDeadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        log.debug("connection {}: request body not complete within {} ms; 408", ClientAddress.describe(ctx.channel()),
                TimeUnit.NANOSECONDS.toMillis(edge.bodyTimeoutNanos));
        discarding = true;
        FullHttpResponse response = HttpResponses.errorResponse(false, ErrorCode.REQUEST_TIMEOUT, "request body not"
                + " complete within " + TimeUnit.NANOSECONDS.toMillis(edge.bodyTimeoutNanos) + " ms");
        decorate(response);
        ended(ctx);
        // The body aggregator after this still holds the partial request; closing releases it.
        refusal(ctx, response).addListener(f -> closeConnection(ctx.channel()));
    }

    private void bodyArrived() {
        cancelBodyDeadline();
    }

    private void cancelBodyDeadline() {
        if (bodyDeadline != null) {
            bodyDeadline.cancel(false);
            bodyDeadline = null;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response) {
            interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            upgraded |= response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS);
            if (!interim) {
                decorate(response);
            }
        }
        if (msg instanceof LastHttpContent && !interim) {
            ended(ctx);
        }
        ctx.write(msg, promise);
    }

    /** The headers of the edge on a response to the current request. */
    private void decorate(HttpResponse response) {
        HttpHeaders h = response.headers();
        h.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
        if (!edge.origins.isEmpty()) {
            h.remove(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN);
            h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
            if (allowedOrigin != null) {
                h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
                if (edge.credentials) {
                    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
                }
            }
        }
        if (kind != Kind.OTHER) {
            h.set(REFERRER_POLICY, NO_REFERRER);
        }
        if (kind == Kind.IFRAME) {
            h.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, edge.frameAncestors);
        }
    }

    /** A response ended: on HTTP/1.1 with nothing pending, the next head's deadline starts. */
    private void ended(ChannelHandlerContext ctx) {
        if (upgraded) {
            return;
        }
        pending = Math.max(0, pending - 1);
        if (pending == 0) {
            release();
            if (connection != null && !(ctx.channel() instanceof Http2StreamChannel) && ctx.channel().isActive()) {
                connection.awaitHead();
            }
        }
    }

    /** Ends the count of the current request's forwarded client, if any. */
    private void release() {
        if (counted != null) {
            edge.perIp.release(counted);
            counted = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelBodyDeadline();
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelBodyDeadline();
        release();
    }
}
