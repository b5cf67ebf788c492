package io.herald.server.transport;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Session;
import io.herald.server.codec.Cursor;
import io.herald.server.codec.WireErrors;
import io.herald.server.ServerConfig;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The common part of the streaming HTTP transports (SSE, XHR streaming, forever iframe): one
 * chunked response that stays open, with a prelude, one chunk per publication (shared bytes,
 * written without copying), periodic heartbeats, and a goodbye chunk before the response ends.
 * Netty's {@code HttpServerCodec} does the chunked encoding (RFC 9112, section 7.1). On an HTTP/2
 * stream there is no such codec: each chunk's content goes out as a DATA frame of the stream, through
 * its {@code Http2StreamFrameToHttpObjectCodec} (docs/protocol.md, "TLS and HTTP/2"), and publications
 * are written unframed ({@link #writeSharedChunk}).
 */
public abstract class StreamTransport extends ChannelTransport {
    private final byte[] prelude;
    /** The positions of a request of several channels, or null on a single-channel endpoint. */
    private Cursor cursor;
    /** Channels of a request of several channels whose subscribe notice is not written yet. */
    private int awaitingNotices;

    /**
     * @param channel the connection
     * @param prelude what precedes the first publication (e.g. {@code retry:}, padding); shared by
     *                every connection of the route and never modified
     */
    protected StreamTransport(Channel channel, byte[] prelude) {
        super(channel);
        this.prelude = prelude;
    }

    /** Streams are one response: the client sends nothing after its request. */
    @Override
    public final boolean unidirectional() {
        return true;
    }

    /**
     * Starts the stream of a single-channel endpoint ({@code /sse/{channel}}...): writes the head
     * (with the caching headers of the target's {@link io.herald.server.http.Privacy}) and prelude,
     * creates the session as the target's principal, subscribes it from {@code since}, starts
     * heartbeats, and, when the principal's credential expires, schedules the session's end at the
     * expiry plus {@code auth.expiry-grace} ({@link #expireAt}). Call on the event loop.
     *
     * @param ctx         the router's context
     * @param node        the node
     * @param config      the server configuration ({@code heartbeat}, {@code auth.expiry-grace})
     * @param contentType the response media type
     * @param target      the admitted request: its channel, principal and privacy
     * @param since       the position to resume after, or null
     * @throws io.herald.core.HeraldException {@code shutting_down} when the node is closing
     * @throws IllegalStateException when the pipeline does not allow pre-framed chunks ({@link FramedWrites#at});
     *                               nothing was started in either case
     */
    public void start(ChannelHandlerContext ctx, Node node, ServerConfig config, CharSequence contentType,
                      RouteTarget target, StreamPosition since) {
        begin(ctx, node, config, contentType, target, new StreamPosition[] {since});
    }

    /**
     * Starts the stream of a request of several channels (docs/protocol.md, "Several channels on one
     * request"): as {@link #start(ChannelHandlerContext, Node, ServerConfig, CharSequence, RouteTarget, StreamPosition)}
     * with one subscription per entry of {@code cursor}, each from its entry; the transport keeps
     * {@code cursor} up to date with what it writes ({@link #cursor()}) and writes it whole once
     * every subscription has started ({@link #writeCursor()}).
     *
     * @param cursor the request's channels and positions, {@link Cursor#parse}d against the target's channels
     */
    public void start(ChannelHandlerContext ctx, Node node, ServerConfig config, CharSequence contentType,
                      RouteTarget target, Cursor cursor) {
        this.cursor = cursor;
        this.awaitingNotices = cursor.size();
        StreamPosition[] positions = new StreamPosition[cursor.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = cursor.position(i);
        }
        begin(ctx, node, config, contentType, target, positions);
    }

    private void begin(ChannelHandlerContext ctx, Node node, ServerConfig config, CharSequence contentType,
                       RouteTarget target, StreamPosition[] since) {
        useFramedWrites(HttpServerCodec.class);
        List<String> channels = target.channels();
        Session session = node.newSession(this);
        session.principal(target.principal());
        attach(session);
        expireAt(target.principal().expiresAt(), config.auth().expiryGrace());
        ctx.write(HttpResponses.streamHead(contentType, target.privacy()));
        writeBytes(prelude);
        // The head and prelude are flushed once every subscription is live: on a remote broker (Redis)
        // the node's own subscription to the channel is confirmed a round trip later, and a client
        // without a position starts from the stream's top read after that. So once a client sees the
        // 200, nothing published later is missed, on every broker (on the memory broker the
        // subscribe completes at once and so does the flush).
        AtomicInteger starting = new AtomicInteger(channels.size());
        for (int i = 0; i < channels.size(); i++) {
            String channelName = channels.get(i);
            node.subscribe(session, channelName, since[i]).whenComplete((notice, error) -> {
                if (error != null) {
                    ErrorCode code = WireErrors.failure(error, name() + " subscribe to " + channelName).code();
                    session.disconnect(WireErrors.disconnectFor(code));
                }
                if (starting.decrementAndGet() == 0 || error != null) {
                    if (ctx.executor().inEventLoop()) {
                        ctx.flush();
                    } else {
                        ctx.executor().execute(ctx::flush);
                    }
                }
            });
        }
        startHeartbeat(config.heartbeat());
    }

    /** The cursor of a request of several channels, at what was written so far; null on a single-channel endpoint. */
    protected final Cursor cursor() {
        return cursor;
    }

    /**
     * Writes the reset signal when the notice is a reset; on a request of several channels, first
     * sets the channel's cursor entry to where its publications start, and once every channel's
     * notice is written, writes the start cursor ({@link #writeCursor()}).
     */
    @Override
    protected final void writeSubscribed(Subscribed notice) {
        if (cursor == null) {
            if (notice.reset()) {
                writeReset(notice);
            }
            return;
        }
        int i = cursor.indexOf(notice.channel());
        if (i < 0 || session().subscription(notice.channel()) != notice.subscription()) {
            return;
        }
        cursor.set(i, notice.position());
        if (notice.reset()) {
            writeReset(notice);
        }
        if (--awaitingNotices == 0) {
            writeCursor();
        }
    }

    /**
     * Advances the cursor of a request of several channels ({@link Cursor#advance}), then writes the
     * publication ({@link #writeEvent}).
     */
    @Override
    protected final void writePublication(Publication publication) {
        if (cursor != null) {
            cursor.advance(publication);
        }
        writeEvent(publication);
    }

    /** Encodes and writes one publication, without flushing; {@link #cursor()} already includes it. */
    protected abstract void writeEvent(Publication publication);

    /** Writes the reset signal of {@code notice}'s channel; {@link #cursor()} already holds its new position. */
    protected abstract void writeReset(Subscribed notice);

    /**
     * Writes the start cursor of a request of several channels, {@link #cursor()} with every entry
     * filled, once every channel's subscription started (docs/protocol.md, "Several channels on one request").
     */
    protected abstract void writeCursor();

    /**
     * Writes a whole HTTP chunk encoded once per publication ({@link SharedBytes#chunk}) past the
     * HTTP codec, which would otherwise frame the same bytes again for every subscriber
     * ({@link FramedWrites}). The codec stays in its chunked state: what it writes later
     * (heartbeats, the last chunk) follows in order.
     *
     * <p>On a pipeline without the codec (an HTTP/2 stream) {@link FramedWrites#at} found nothing,
     * and the content is written unframed through the whole pipeline instead ({@link #writeBuffer}).
     *
     * @param sharedChunk the chunk, shared; a view of it is written
     * @param unframed    the same content without chunk framing, for a pipeline without the codec
     */
    protected final void writeSharedChunk(ByteBuf sharedChunk, byte[]... unframed) {
        FramedWrites framed = framedWrites();
        if (framed == null || !framed.writeShared(sharedChunk)) {
            writeBuffer(Unpooled.wrappedBuffer(unframed));
        }
    }

    /** Writes {@code bytes} as one chunk without copying; the array must not change afterwards. */
    protected final void writeBytes(byte[] bytes) {
        writeBuffer(Unpooled.wrappedBuffer(bytes));
    }

    /** Writes {@code text} (UTF-8) as one chunk. */
    protected final void writeText(String text) {
        writeBuffer(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /**
     * Writes a buffer as one chunk, through the whole pipeline, as {@link HttpContent}: what both
     * HTTP/1.1's codec (one chunk) and an HTTP/2 stream's (one DATA frame) encode. Ownership passes
     * to the channel.
     */
    protected final void writeBuffer(ByteBuf buffer) {
        channel.write(new DefaultHttpContent(buffer), channel.voidPromise());
    }

    /**
     * Writes {@link #goodbyeText(Disconnect)}, ends the chunked response and closes the connection.
     */
    @Override
    protected void writeGoodbye(Disconnect reason) {
        String text = goodbyeText(reason);
        if (text != null) {
            writeText(text);
        }
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The last chunk telling the client the code and whether to reconnect, or null; built around
     * {@link WireErrors#disconnectJson}.
     */
    protected abstract String goodbyeText(Disconnect reason);
}
