package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Session;
import io.herald.server.codec.WireErrors;
import io.herald.server.transport.ChannelTransport;
import io.herald.server.transport.FramedWrites;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.herald.server.transport.SharedBytes;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The common part of the two WebSocket transports (raw {@code /ws/{channel}} and the JSON protocol
 * on {@code /ws}): starting the session once the opening handshake is done (RFC 6455, section 4),
 * ping-frame heartbeats (section 5.5.2), frame writing and the closing handshake (section 7).
 *
 * <p>Threading: every method runs on the connection's event loop; {@link #close} (inherited) may be
 * called from any thread and hops there. Frames written by the session's drain are not flushed here
 * (the drain flushes once per batch); frames written outside the drain go through
 * {@link #writeFrameAndFlush}.
 */
abstract class WebSocketTransport extends ChannelTransport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    /** The largest close-frame reason: 125 bytes of payload minus the 2-byte code (RFC 6455, section 5.5). */
    static final int MAX_CLOSE_REASON_BYTES = 123;

    protected final Node node;
    protected final WebSocketAccess access;
    /** The socket's rate limits. */
    protected final FloodGuard flood;
    private final Duration heartbeat;

    /**
     * @param channel   the upgraded connection
     * @param node      the node to subscribe and publish on
     * @param heartbeat the interval of server ping frames
     * @param access    the token verifier and its timings; {@link WebSocketAccess#OFF} when access control is off
     * @param flood     the socket's rate limits
     */
    WebSocketTransport(Channel channel, Node node, Duration heartbeat, WebSocketAccess access, FloodGuard flood) {
        super(channel);
        this.node = node;
        this.heartbeat = heartbeat;
        this.access = access;
        this.flood = flood;
    }

    /**
     * Makes {@code principal} the session's and sets the session's end to its token's expiry plus
     * {@code auth.expiry-grace} ({@link Disconnect#TOKEN_EXPIRED}, close {@code 4004}), replacing the
     * previous deadline; a principal without expiry cancels it. On the event loop, after
     * {@link #attach}. Model: docs/protocol.md, "Disconnect codes".
     *
     * @return the seconds until the token's {@code exp} (at least 0), or -1 when it has none
     */
    protected final long authenticated(Principal principal) {
        session().principal(principal);
        Instant expiresAt = principal.expiresAt();
        expireAt(expiresAt, access.grace());
        return expiresAt == null ? -1 : Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
    }

    @Override
    public final String name() {
        return "websocket";
    }

    @Override
    public final boolean unidirectional() {
        return false;
    }

    /**
     * Called once the opening handshake completed: checks the pipeline for pre-framed writes
     * ({@link io.herald.server.transport.FramedWrites}; a pipeline that does not allow them gets a
     * close frame {@code 1011}), creates and attaches the session, lets the subclass start
     * (subscribe), and starts heartbeats. A node that is shutting down gets a close frame {@code 1001}.
     */
    final void handshakeComplete() {
        try {
            useFramedWrites(WebSocketFrameEncoder.class);
        } catch (IllegalStateException e) {
            log.error("WebSocket connection {} refused: {}", channel.remoteAddress(), e.getMessage());
            close(Disconnect.SERVER_ERROR);
            return;
        }
        Session session;
        try {
            session = node.newSession(this);
        } catch (HeraldException e) {
            close(Disconnect.SHUTDOWN);
            return;
        }
        attach(session);
        started(session);
        startHeartbeat(heartbeat);
    }

    /** The subclass's part of {@link #handshakeComplete()}, with the attached session. */
    protected abstract void started(Session session);

    /**
     * A data frame from the client: a whole text or binary message (fragments were aggregated).
     * The caller releases the frame after this returns. Ignored once closing.
     */
    final void frameReceived(WebSocketFrame frame) {
        if (session() == null || closing() || !channel.isActive()) {
            return;
        }
        if (frame instanceof TextWebSocketFrame text) {
            textReceived(text);
        } else if (frame instanceof BinaryWebSocketFrame binary) {
            binaryReceived(binary);
        }
    }

    /** A whole text message from the client (UTF-8 already validated by Netty, section 8.1). */
    protected abstract void textReceived(TextWebSocketFrame frame);

    /** A whole binary message from the client. */
    protected abstract void binaryReceived(BinaryWebSocketFrame frame);

    /**
     * Ends the session as the wire contract asks (docs/protocol.md, "Disconnect codes") when the client broke a rule (e.g. close
     * {@code 1008} or {@code 1009}). Safe before the session exists.
     */
    final void violation(Disconnect reason) {
        Session session = session();
        if (session != null) {
            session.disconnect(reason);
        } else {
            close(reason);
        }
    }

    @Override
    protected final void writeHeartbeat() {
        channel.write(new PingWebSocketFrame(), channel.voidPromise());
    }

    /** Writes a text frame holding {@code bytes} without copying or flushing; the array must not change. */
    protected final void writeText(byte[] bytes) {
        channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)), channel.voidPromise());
    }

    /** Writes a frame and flushes: for replies written outside the session's drain. */
    protected final void writeFrameAndFlush(WebSocketFrame frame) {
        if (closing() || !channel.isActive()) {
            frame.release();
            return;
        }
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    /** A text frame of {@code text} in UTF-8. */
    protected static TextWebSocketFrame textFrame(String text) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** A text frame over a buffer; ownership passes to the frame. */
    protected static TextWebSocketFrame textFrame(ByteBuf content) {
        return new TextWebSocketFrame(content);
    }

    /**
     * Writes a whole frame encoded once per publication ({@link SharedFrames}) past the frame
     * encoder ({@link io.herald.server.transport.FramedWrites}), like the streaming transports'
     * shared chunks. Should the encoder have left the pipeline, the bytes go through the whole
     * pipeline instead: the frame encoder passes buffers that are not frames on unchanged.
     */
    protected final void writeShared(ByteBuf sharedFrame) {
        FramedWrites framed = framedWrites();
        if (framed == null || !framed.writeShared(sharedFrame)) {
            channel.write(SharedBytes.view(sharedFrame), channel.voidPromise());
        }
    }

    /**
     * Sends the close frame (RFC 6455, section 5.5.1) with {@code reason}'s code and
     * {@code reasonText}, cut to {@value #MAX_CLOSE_REASON_BYTES} bytes, and closes the connection
     * once it is written. Netty's protocol handler drops frames written after it.
     */
    protected final void writeCloseFrame(Disconnect reason, String reasonText) {
        byte[] utf8 = reasonText.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_CLOSE_REASON_BYTES) {
            reasonText = reason.reason();
        }
        channel.writeAndFlush(new CloseWebSocketFrame(WireErrors.closeCode(reason), reasonText))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Runs {@code task} on the event loop: at once when already there, else queued. For
     * completions of the node's futures, which may run on broker threads.
     */
    protected final void onEventLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }
}
