package io.herald.server.sockjs;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.auth.Principal;
import io.herald.server.ServerConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.RequestCredentials;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.herald.server.http.Router;
import io.herald.server.http.Router.Preflight;
import io.herald.server.websocket.CommandProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SockJS service mounted on a prefix (docs/protocol.md, "SockJS"): {@code /sockjs} (Herald's
 * command protocol) and, with {@code conformance} on, the suite's {@code /echo}, {@code /close},
 * {@code /disabled_websocket_echo} and {@code /cookie_needed_echo}. It answers the whole URL space
 * under its prefix:
 * <pre>
 * GET  /P, /P/                          Welcome to SockJS!
 * GET  /P/info   (OPTIONS)              {"websocket":..,"cookie_needed":..,"origins":["*:*"],"entropy":N}
 * GET  /P/iframe[-VERSION].html         the iframe page (ETag, If-None-Match: 304)
 * GET  /P/websocket                     raw WebSocket: one message per text frame
 * GET  /P/S/ID/websocket                SockJS frames over WebSocket
 * POST /P/S/ID/xhr, xhr_streaming       polling, streaming (OPTIONS: CORS preflight)
 * POST /P/S/ID/xhr_send                 a JSON array of messages: 204
 * GET  /P/S/ID/eventsource, htmlfile?c=CB, jsonp?c=CB
 * POST /P/S/ID/jsonp_send               d=JSON (form) or JSON: 200 "ok"
 * </pre>
 * Errors as the protocol has them: 404 for other paths and for sending to an unknown session, 405
 * with {@code Allow} for a wrong method, 500 {@code text/plain} for {@code Payload expected.},
 * {@code Broken JSON encoding.} and a bad callback; 400 for a WebSocket request that is no upgrade.
 *
 * <p>Sessions live in this service's map from their first receiving request until their timeout
 * (the disconnect delay, 5 s, after their last receiver or their close); each lives on the event
 * loop of its first request. Stateless otherwise; shared; runs on the connection's event loop.
 */
public final class SockJsRoute implements Route {
    /** A session's timeout without a receiver (the protocol's disconnect delay). */
    static final Duration DISCONNECT_DELAY = Duration.ofSeconds(5);
    /** A streaming response ends after this many bytes of frames on {@code /sockjs}; the client reconnects. */
    static final long RESPONSE_LIMIT = 128 * 1024;
    /** The response limit of the conformance services. */
    static final long CONFORMANCE_RESPONSE_LIMIT = 4096;

    private static final String NOT_CACHED = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
    private static final String ONE_YEAR = "public, max-age=31536000";
    private static final Pattern SESSION_PATH = Pattern.compile("/([^/.]+)/([^/.]+)/([a-z_]+)");
    private static final Pattern IFRAME = Pattern.compile("/iframe[0-9a-z_.-]*\\.html");
    private static final Pattern CALLBACK = Pattern.compile("[a-zA-Z0-9_.-]+");
    /** The iframe page; {@code %s} is where it loads sockjs-client from ({@code sockjs.client-url}). */
    private static final String IFRAME_PAGE = """
            <!DOCTYPE html>
            <html>
            <head>
              <meta http-equiv="X-UA-Compatible" content="IE=edge" />
              <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
              <script src="%s"></script>
              <script>
                document.domain = document.domain;
                SockJS.bootstrap_iframe();
              </script>
            </head>
            <body>
              <h2>Don't panic!</h2>
              <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
            </body>
            </html>""";

    private final String prefix;
    private final boolean websocket;
    private final boolean cookieNeeded;
    private final long responseLimit;
    /** The app of a new session, from the request that opens it. */
    private final Function<FullHttpRequest, SockJsApp> apps;
    private final Duration heartbeat;
    private final long outboxMaxBytes;
    private final int maxMessageBytes;
    private final Map<String, SockJsSession> sessions = new ConcurrentHashMap<>();
    /** The iframe page with the configured sockjs-client URL, and its ETag. */
    private final String iframePage;
    private final String iframeEtag;

    private SockJsRoute(String name, boolean websocket, boolean cookieNeeded, long responseLimit,
                        Function<FullHttpRequest, SockJsApp> apps,
                        ServerConfig config, Node node) {
        this.prefix = "/" + name;
        this.websocket = websocket;
        this.cookieNeeded = cookieNeeded;
        this.responseLimit = responseLimit;
        this.apps = apps;
        this.heartbeat = config.heartbeat();
        // the outbox holds what the core's queue handed over; the core's queue is the real bound
        this.outboxMaxBytes = Math.max(64 * 1024, node.config().maxPayloadBytes() * 2L);
        this.maxMessageBytes = node.config().maxPayloadBytes() * 2 + 1024;
        // the URL is validated (no quotes, no angle brackets): it cannot leave the attribute
        this.iframePage = IFRAME_PAGE.formatted(config.sockjsClientUrl());
        this.iframeEtag = etag(iframePage.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Mounts {@code /sockjs} (Herald's command protocol over SockJS) on {@code router}, and with
     * {@code config.conformance()} the suite's services at the root.
     *
     * @param router      the public port's router
     * @param node        the node sessions subscribe and publish on
     * @param config      the server configuration (heartbeat, {@code conformance}, {@code auth}, WebSocket limits)
     * @param credentials the loaded token keys; with a verifier a session opened with the token cookie
     *                    ({@code auth.cookie}) starts connected, else its first command must be {@code connect}
     */
    public static void install(Router router, Node node, ServerConfig config, Credentials credentials) {
        CommandProtocol.Factory commands = new CommandProtocol.Factory(node, config, credentials);
        RequestCredentials requests = new RequestCredentials(credentials, config.auth());
        Function<FullHttpRequest, SockJsApp> herald = request -> {
            if (!commands.accessControl()) {
                return new HeraldApp(node, commands, null, null);
            }
            try {
                // the auth cookie of the opening request, as an SSE request's (docs/security.md)
                Principal who = requests.principal(request, RequestCredentials.Use.SOCKJS, null, null);
                return new HeraldApp(node, commands, who.authenticated() ? who : null, null);
            } catch (HeraldException e) {
                return new HeraldApp(node, commands, null, e);
            }
        };
        // SockJS answers OPTIONS itself (its own CORS and caching headers): docs/protocol.md, "SockJS"
        router.mount("sockjs", new SockJsRoute("sockjs", true, false, RESPONSE_LIMIT, herald, config, node), Preflight.ROUTE);
        if (config.conformance()) {
            long limit = CONFORMANCE_RESPONSE_LIMIT;
            router.mount("echo", new SockJsRoute("echo", true, false, limit, ConformanceApps.ECHO, config, node), Preflight.ROUTE)
                    .mount("close", new SockJsRoute("close", true, false, limit, ConformanceApps.CLOSE, config, node), Preflight.ROUTE)
                    .mount("disabled_websocket_echo",
                            new SockJsRoute("disabled_websocket_echo", false, false, limit, ConformanceApps.ECHO, config, node),
                            Preflight.ROUTE)
                    .mount("cookie_needed_echo",
                            new SockJsRoute("cookie_needed_echo", true, true, limit, ConformanceApps.ECHO, config, node),
                            Preflight.ROUTE);
        }
    }

    /** Sessions open now (for tests and the leak check). */
    int sessions() {
        return sessions.size();
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String rest = target.path().substring(prefix.length());
        HttpMethod method = request.method();
        if (rest.isEmpty() || rest.equals("/")) {
            if (methodAllowed(ctx, request, "GET")) {
                send(ctx, request, HttpResponseStatus.OK, "text/plain; charset=UTF-8", "Welcome to SockJS!\n", new DefaultHttpHeaders());
            }
            return;
        }
        if (rest.equals("/info")) {
            if (method.equals(HttpMethod.OPTIONS)) {
                preflight(ctx, request, "OPTIONS, GET");
                return;
            }
            if (methodAllowed(ctx, request, "GET")) {
                info(ctx, request);
            }
            return;
        }
        if (IFRAME.matcher(rest).matches()) {
            if (methodAllowed(ctx, request, "GET")) {
                iframe(ctx, request);
            }
            return;
        }
        if (rest.equals("/websocket")) {
            webSocket(ctx, request, null, true);
            return;
        }
        Matcher m = SESSION_PATH.matcher(rest);
        if (!m.matches()) {
            throw notFound(rest);
        }
        String id = m.group(2);
        switch (m.group(3)) {
            case "websocket" -> webSocket(ctx, request, id, false);
            case "xhr" -> receive(ctx, request, target, id, HttpReceiver.Kind.XHR, "POST");
            case "xhr_streaming" -> receive(ctx, request, target, id, HttpReceiver.Kind.XHR_STREAMING, "POST");
            case "eventsource" -> receive(ctx, request, target, id, HttpReceiver.Kind.EVENTSOURCE, "GET");
            case "htmlfile" -> receive(ctx, request, target, id, HttpReceiver.Kind.HTMLFILE, "GET");
            case "jsonp" -> receive(ctx, request, target, id, HttpReceiver.Kind.JSONP, "GET");
            case "xhr_send" -> incoming(ctx, request, id, false);
            case "jsonp_send" -> incoming(ctx, request, id, true);
            default -> throw notFound(rest);
        }
    }

    private HeraldException notFound(String rest) {
        return new HeraldException(ErrorCode.NOT_FOUND, "no SockJS endpoint " + prefix + rest);
    }

    /** Whether the request's method is {@code allow}; else answers 405 with {@code Allow} and no body (protocol.md "SockJS"). */
    private static boolean methodAllowed(ChannelHandlerContext ctx, FullHttpRequest request, String allow) {
        if (request.method().name().equals(allow)) {
            return true;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.METHOD_NOT_ALLOWED);
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        HttpUtil.setContentLength(response, 0);
        write(ctx, request, response);
        return false;
    }

    private void info(ChannelHandlerContext ctx, FullHttpRequest request) {
        long entropy = ThreadLocalRandom.current().nextLong(1L << 32);
        String body = "{\"websocket\":" + websocket + ",\"cookie_needed\":" + cookieNeeded
                + ",\"origins\":[\"*:*\"],\"entropy\":" + entropy + "}";
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CACHE_CONTROL, NOT_CACHED);
        cors(request, h);
        send(ctx, request, HttpResponseStatus.OK, "application/json; charset=UTF-8", body, h);
    }

    private void iframe(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpHeaders h = new DefaultHttpHeaders();
        cacheForAYear(h);
        h.set(HttpHeaderNames.ETAG, iframeEtag);
        if (iframeEtag.equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
            response.headers().set(h);
            write(ctx, request, response);
            return;
        }
        send(ctx, request, HttpResponseStatus.OK, "text/html; charset=UTF-8", iframePage, h);
    }

    /** A CORS preflight: 204, cacheable for a year, the methods, the requested headers echoed. */
    private void preflight(ChannelHandlerContext ctx, FullHttpRequest request, String methods) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        HttpHeaders h = response.headers();
        cacheForAYear(h);
        h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "31536000");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, methods);
        String requested = request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (requested != null && !requested.isEmpty()) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
        cors(request, h);
        cookie(request, h);
        write(ctx, request, response);
    }

    /** The headers of a session request: not cached, CORS, the JSESSIONID cookie when the service needs it. */
    private HttpHeaders sessionHeaders(FullHttpRequest request) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CACHE_CONTROL, NOT_CACHED);
        cors(request, h);
        cookie(request, h);
        return h;
    }

    /** A receiving request: the session is found or opened and this request becomes its receiver. */
    private void receive(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target, String id,
                         HttpReceiver.Kind kind, String method) {
        if (request.method().equals(HttpMethod.OPTIONS) && kind == HttpReceiver.Kind.XHR
                || request.method().equals(HttpMethod.OPTIONS) && kind == HttpReceiver.Kind.XHR_STREAMING) {
            preflight(ctx, request, "OPTIONS, POST");
            return;
        }
        if (!methodAllowed(ctx, request, method)) {
            return;
        }
        String callback = null;
        if (kind == HttpReceiver.Kind.JSONP || kind == HttpReceiver.Kind.HTMLFILE) {
            callback = target.query().get("c");
            if (callback == null) {
                serverError(ctx, request, "\"callback\" parameter required");
                return;
            }
            if (!CALLBACK.matcher(callback).matches()) {
                serverError(ctx, request, "invalid \"callback\" parameter");
                return;
            }
        }
        HttpReceiver receiver = new HttpReceiver(ctx.channel(), kind, callback, HttpUtil.isKeepAlive(request),
                responseLimit, sessionHeaders(request));
        if (kind.streaming) {
            keepOpen(ctx.pipeline());
            receiver.start(request.protocolVersion());
        }
        SockJsSession session = sessions.computeIfAbsent(id, key -> newSession(key, ctx, request));
        session.loop().execute(() -> session.attach(receiver));
    }

    private SockJsSession newSession(String id, ChannelHandlerContext ctx, FullHttpRequest request) {
        SockJsSession[] made = new SockJsSession[1];
        made[0] = new SockJsSession(id, ctx.channel().eventLoop(), apps.apply(request), heartbeat, DISCONNECT_DELAY, outboxMaxBytes,
                () -> sessions.remove(id, made[0]));
        return made[0];
    }

    /** {@code xhr_send} and {@code jsonp_send}: messages for an existing session. */
    private void incoming(ChannelHandlerContext ctx, FullHttpRequest request, String id, boolean jsonp) {
        if (request.method().equals(HttpMethod.OPTIONS) && !jsonp) {
            preflight(ctx, request, "OPTIONS, POST");
            return;
        }
        if (!methodAllowed(ctx, request, "POST")) {
            return;
        }
        SockJsSession session = sessions.get(id);
        if (session == null) {
            throw new HeraldException(ErrorCode.NOT_FOUND, "no SockJS session " + id);
        }
        ByteBuf content = request.content();
        if (content.readableBytes() > maxMessageBytes) {
            throw new HeraldException(ErrorCode.PAYLOAD_TOO_LARGE, "SockJS messages of " + content.readableBytes()
                    + " bytes (expected: at most " + maxMessageBytes + ")");
        }
        String body = content.toString(StandardCharsets.UTF_8);
        if (jsonp && String.valueOf(request.headers().get(HttpHeaderNames.CONTENT_TYPE))
                .startsWith("application/x-www-form-urlencoded")) {
            List<String> d = new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters().get("d");
            body = d == null || d.isEmpty() ? "" : d.get(0);
        }
        if (body.isEmpty()) {
            serverError(ctx, request, "Payload expected.");
            return;
        }
        List<String> messages;
        try {
            messages = SockJsJson.messages(body.getBytes(StandardCharsets.UTF_8), false);
        } catch (IllegalArgumentException e) {
            serverError(ctx, request, "Broken JSON encoding.");
            return;
        }
        session.loop().execute(() -> session.receive(messages));
        HttpHeaders h = sessionHeaders(request);
        if (jsonp) {
            send(ctx, request, HttpResponseStatus.OK, "text/plain; charset=UTF-8", "ok", h);
        } else {
            send(ctx, request, HttpResponseStatus.NO_CONTENT, "text/plain; charset=UTF-8", "", h);
        }
    }

    /** A WebSocket: {@code /P/S/ID/websocket} (a session of its own) or raw {@code /P/websocket}. */
    private void webSocket(ChannelHandlerContext ctx, FullHttpRequest request, String id, boolean raw) {
        if (!websocket) {
            throw notFound("/websocket (WebSocket is off for this service)");
        }
        if (!methodAllowed(ctx, request, "GET")) {
            return;
        }
        HttpHeaders headers = request.headers();
        if (!"websocket".equalsIgnoreCase(headers.get(HttpHeaderNames.UPGRADE))) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=UTF-8",
                    "Can \"Upgrade\" only to \"WebSocket\".", new DefaultHttpHeaders());
            return;
        }
        if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=UTF-8",
                    "\"Connection\" must be \"Upgrade\".", new DefaultHttpHeaders());
            return;
        }
        SockJsSession session = new SockJsSession(id, ctx.channel().eventLoop(), apps.apply(request), heartbeat, DISCONNECT_DELAY,
                outboxMaxBytes, () -> { });
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(request.uri())
                .checkStartsWith(false)
                .maxFramePayloadLength(maxMessageBytes)
                .allowExtensions(false)
                .handleCloseFrames(false) // SockJsWebSocketHandler answers them: no second close frame after ours
                .build();
        ChannelPipeline pipeline = ctx.pipeline();
        keepOpen(pipeline);
        pipeline.addAfter(ctx.name(), "ws", new WebSocketServerProtocolHandler(protocol))
                .addAfter("ws", "ws-messages", new WebSocketFrameAggregator(maxMessageBytes))
                .addAfter("ws-messages", "ws-frames", new SockJsWebSocketHandler(session, raw));
        pipeline.remove(ctx.name());
        // The router releases the request when this returns; the handshake handler releases this reference.
        ctx.fireChannelRead(request.retain());
    }

    /**
     * A stream or WebSocket the client may send nothing on for long: the idle-connection check,
     * made for requests and Herald's own transports, is taken off it; the session's heartbeats
     * find a dead peer (a failed write closes the connection).
     */
    private static void keepOpen(ChannelPipeline pipeline) {
        if (pipeline.get("idle") != null) {
            pipeline.remove("idle");
        }
    }

    /** CORS as SockJS clients need it: the request's origin echoed with credentials, else {@code *}. */
    private static void cors(FullHttpRequest request, HttpHeaders h) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        } else {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
    }

    /** {@code JSESSIONID}: the request's echoed, or {@code dummy}, with {@code Path=/}, when the service needs it (load balancers' stickiness). */
    private void cookie(FullHttpRequest request, HttpHeaders h) {
        if (!cookieNeeded) {
            return;
        }
        String value = "dummy";
        String header = request.headers().get(HttpHeaderNames.COOKIE);
        if (header != null) {
            for (var c : ServerCookieDecoder.LAX.decode(header)) {
                if (c.name().equals("JSESSIONID")) {
                    value = c.value();
                }
            }
        }
        h.set(HttpHeaderNames.SET_COOKIE, "JSESSIONID=" + value + "; Path=/");
    }

    private static void cacheForAYear(HttpHeaders h) {
        h.set(HttpHeaderNames.CACHE_CONTROL, ONE_YEAR);
        h.set(HttpHeaderNames.EXPIRES, DateFormatter.format(new Date(System.currentTimeMillis() + 31_536_000_000L)));
    }

    private static void serverError(ChannelHandlerContext ctx, FullHttpRequest request, String message) {
        send(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=UTF-8", message,
                new DefaultHttpHeaders());
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                             String contentType, String body, HttpHeaders headers) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(headers).set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, bytes.length);
        write(ctx, request, response);
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && response.status().code() != 204
                && response.status().code() != 304) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        // an HTTP/1.0 client asking keep-alive is told so (RFC 9112, appendix C.2.2)
        HttpUtil.setKeepAlive(response.headers(), request.protocolVersion(), keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
