package io.herald.server.http;

import io.herald.core.Disconnect;
import io.herald.server.codec.WireErrors;
import io.herald.server.edge.ClientAddress;
import io.herald.server.transport.ChannelTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line on the {@value #LOGGER} logger when an exchange ends, that is when a
 * request-response exchange has written its last byte, when a stream (SSE, XHR streaming, forever
 * iframe) or a WebSocket ends with its connection, or when a held long poll is answered. Each line
 * carries, as SLF4J key-value pairs (so that the JSON log format gives them as fields of their own,
 * docs/configuration.md "Logs"):
 * <ul>
 *   <li>{@code remote}: the client's address and port, or the client address a trusted proxy forwarded
 *       ({@link ClientAddress#describe});</li>
 *   <li>{@code method} and {@code path}: the request line's method and target, with the values of
 *       the query parameters in {@link #SECRET_PARAMETERS} replaced by {@value #REDACTED} ({@link #redact});</li>
 *   <li>{@code status}: the HTTP status sent (101 for a WebSocket; 0 when the connection ended before a response);</li>
 *   <li>{@code close}: for streams, long polls and WebSockets ended by the server, the disconnect code of
 *       docs/protocol.md "Disconnect codes" (on WebSocket, the close code); for a WebSocket the client
 *       closed, the code of its close frame; absent when the client went away without one;</li>
 *   <li>{@code bytes}: the bytes written to the connection for the exchange: status line, headers, body,
 *       chunk and frame headers, heartbeats and goodbye (after TLS is taken off, should the connection
 *       have it);</li>
 *   <li>{@code duration_ms}: from the request's arrival to the end, in milliseconds (3 decimals);</li>
 *   <li>{@code transport}: {@code http} for a plain request-response, else the transport's name
 *       ({@code sse}, {@code websocket}, {@code xhr-streaming}, {@code iframe}, {@code long-polling}).</li>
 * </ul>
 * The text of the line says the same: {@code 127.0.0.1:50412 "GET /sse/chat?token=***" 200 sse 2650B 5012.804ms close=1001}.
 *
 * <p>Where it sits: this handler follows the HTTP codec (it sees each decoded request, each response
 * head and each last content, and after a WebSocket upgrade the close frames), and its
 * {@linkplain #counter() byte counter} precedes the codec, next to the socket, where it counts the
 * encoded bytes of every write made through the pipeline. Bytes framed once per publication skip
 * both ({@link io.herald.server.transport.FramedWrites} counts them itself); a transport reports
 * them, its name and its disconnect reason when its session ends ({@link #transportEnded}), which is
 * also when a stream's or WebSocket's exchange ends. So a delivery costs nothing here: the work is
 * per request and per connection, and none at all with {@code logging.access-log: false}, which
 * leaves both handlers out.
 *
 * <p>HTTP/1.1 responses come in the order of their requests (RFC 9112, section 9.3.2): a request
 * read before the previous response ended waits in a queue and is matched with the next response.
 * An interim response ({@code 100 Continue}, RFC 9110 section 15.2) counts in the bytes but does not
 * end the exchange; {@code 101} ends the HTTP part of it, and the WebSocket goes on.
 * One instance per connection, used on its event loop.
 */
public final class AccessLog extends ChannelDuplexHandler {
    /** The logger the access lines go to; route, silence or format them by this name. */
    public static final String LOGGER = "herald.access";
    /** Query parameters whose values are never logged (compared case-insensitively, percent-decoded). */
    public static final Set<String> SECRET_PARAMETERS = Set.of("token", "ticket", "key", "api_key", "apikey", "access_token");
    /** What stands for a secret parameter's value in logs. */
    public static final String REDACTED = "***";
    /** The transport name of a plain request-response exchange. */
    public static final String HTTP = "http";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final AttributeKey<AccessLog> KEY = AttributeKey.valueOf("herald.access-log");
    private static final int SWITCHING_PROTOCOLS = HttpResponseStatus.SWITCHING_PROTOCOLS.code();

    /** One request and what is known of its answer so far. */
    private static final class Exchange {
        final long startNanos;
        final long bytesBefore;
        final String method;
        final String uri;
        int status;
        /** The code of the first WebSocket close frame seen, either way; -1 before one. */
        int closeFrame = -1;

        Exchange(long startNanos, long bytesBefore, String method, String uri) {
            this.startNanos = startNanos;
            this.bytesBefore = bytesBefore;
            this.method = method;
            this.uri = uri;
        }
    }

    private final Counter counter = new Counter();
    /** Bytes the counter saw written through the pipeline since the connection opened. */
    private long written;
    private Exchange current;
    /** Requests read while {@link #current} was not answered yet (pipelining); null until needed. */
    private ArrayDeque<Exchange> waiting;

    private AccessLog() {
    }

    /**
     * Adds the access log of one connection around its HTTP codec: the byte counter just before
     * it (toward the socket) as {@code access-bytes}, this handler just after it as {@code access}.
     *
     * @param pipeline  the connection's pipeline
     * @param codecName the name of its {@code HttpServerCodec}
     */
    public static void addAround(ChannelPipeline pipeline, String codecName) {
        AccessLog access = new AccessLog();
        pipeline.addBefore(codecName, "access-bytes", access.counter);
        pipeline.addAfter(codecName, "access", access);
        pipeline.channel().attr(KEY).set(access);
    }

    /** The handler that counts the bytes written through the pipeline, at the socket's end of it. */
    Counter counter() {
        return counter;
    }

    /**
     * Counts the encoded bytes written through the pipeline. Writes of pre-framed bytes skip it
     * ({@link io.herald.server.transport.FramedWrites} counts those); it must not sit on the socket's
     * side of a handler that transforms the byte stream (TLS), or it would count ciphertext.
     */
    public final class Counter extends ChannelOutboundHandlerAdapter {
        private Counter() {
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf buf) {
                written += buf.readableBytes();
            } else if (msg instanceof ByteBufHolder holder) {
                written += holder.content().readableBytes();
            } else if (msg instanceof FileRegion region) {
                written += region.count() - region.transferred();
            }
            ctx.write(msg, promise);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            Exchange e = new Exchange(System.nanoTime(), written, request.method().name(), request.uri());
            if (current == null) {
                current = e;
            } else {
                if (waiting == null) {
                    waiting = new ArrayDeque<>(2);
                }
                waiting.add(e);
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            closeFrame(close);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        Exchange e = current;
        if (e == null || !(msg instanceof HttpResponse || msg instanceof LastHttpContent)) {
            if (msg instanceof CloseWebSocketFrame close) {
                closeFrame(close);
            }
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse response) {
            int status = response.status().code();
            if (status < 200 && status != SWITCHING_PROTOCOLS) { // interim (100 Continue): the final response follows
                ctx.write(msg, promise);
                return;
            }
            e.status = status;
        }
        boolean last = msg instanceof LastHttpContent;
        ctx.write(msg, promise); // counted on its way to the socket
        // A transport's exchange (a long poll's answer, a stream's goodbye) ends with the transport, which
        // reports its name and reason; a 101 goes on as a WebSocket.
        if (last && e.status != SWITCHING_PROTOCOLS && ctx.channel().attr(ChannelTransport.KEY).get() == null) {
            end(ctx.channel(), HTTP, -1, 0);
        }
    }

    /** Keeps the code of the closing handshake's first frame (RFC 6455, section 5.5.1): the initiator's. */
    private void closeFrame(CloseWebSocketFrame close) {
        if (current != null && current.closeFrame < 0) {
            current.closeFrame = close.statusCode();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        while (current != null) {
            end(ctx.channel(), current.status == SWITCHING_PROTOCOLS ? "websocket" : HTTP, current.closeFrame, 0);
        }
        ctx.fireChannelInactive();
    }

    /**
     * Called by a transport when its session ends ({@link ChannelTransport}): on a stream's or
     * WebSocket's close, or after a long poll's answer. Ends the exchange of the request that started
     * it. On the event loop; does nothing on a connection without an access log.
     *
     * @param channel     the connection
     * @param transport   the transport's name
     * @param reason      what the server ended the session with, or null when the client ended it
     * @param framedBytes the bytes the transport wrote pre-framed, past this log's counter
     */
    public static void transportEnded(Channel channel, String transport, Disconnect reason, long framedBytes) {
        AccessLog access = channel.attr(KEY).get();
        if (access != null && access.current != null) {
            int close = reason != null ? WireErrors.closeCode(reason) : access.current.closeFrame;
            access.end(channel, transport, close, framedBytes);
        }
    }

    /** Logs {@link #current} as ended and moves on to the next waiting request. */
    private void end(Channel channel, String transport, int close, long framedBytes) {
        Exchange e = current;
        current = waiting == null ? null : waiting.poll();
        if (!log.isInfoEnabled()) {
            return;
        }
        long bytes = written - e.bytesBefore + framedBytes;
        double ms = Math.round((System.nanoTime() - e.startNanos) / 1_000.0) / 1_000.0;
        String remote = ClientAddress.describe(channel);
        String path = redact(e.uri);
        StringBuilder text = new StringBuilder(64 + path.length())
                .append(remote).append(" \"").append(e.method).append(' ').append(path).append("\" ")
                .append(e.status).append(' ').append(transport).append(' ').append(bytes).append("B ")
                .append(ms).append("ms");
        var line = log.atInfo()
                .addKeyValue("remote", remote)
                .addKeyValue("method", e.method)
                .addKeyValue("path", path)
                .addKeyValue("status", e.status);
        if (close >= 0) {
            text.append(" close=").append(close);
            line = line.addKeyValue("close", close);
        }
        line.addKeyValue("bytes", bytes)
                .addKeyValue("duration_ms", ms)
                .addKeyValue("transport", transport)
                .log(text.toString());
    }

    /**
     * {@code uri} with the value of every query parameter named in {@link #SECRET_PARAMETERS}
     * replaced by {@value #REDACTED}: what every log line that shows a request target prints. The
     * parameters are split at {@code &} and {@code ;}, as the server reads them; names are compared
     * percent-decoded and case-insensitively; everything else is kept as sent.
     */
    public static String redact(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return uri;
        }
        StringBuilder out = null;
        int start = q + 1;
        while (start <= uri.length()) {
            int end = start;
            while (end < uri.length() && uri.charAt(end) != '&' && uri.charAt(end) != ';') {
                end++;
            }
            int eq = uri.indexOf('=', start);
            if (eq >= 0 && eq < end && eq + 1 < end && isSecret(uri.substring(start, eq))) {
                if (out == null) {
                    out = new StringBuilder(uri.length());
                    out.append(uri, 0, start);
                }
                out.append(uri, start, eq + 1).append(REDACTED);
            } else if (out != null) {
                out.append(uri, start, end);
            }
            if (out != null && end < uri.length()) {
                out.append(uri.charAt(end));
            }
            start = end + 1;
        }
        return out == null ? uri : out.toString();
    }

    private static boolean isSecret(String name) {
        try {
            return SECRET_PARAMETERS.contains(QueryStringDecoder.decodeComponent(name).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException malformed) {
            return SECRET_PARAMETERS.contains(name.toLowerCase(Locale.ROOT));
        }
    }
}
