package io.herald.server.transport;

import io.herald.server.http.AccessLog;
import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.IdleConnectionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;
import java.util.Set;

/**
 * The one place that writes bytes already in their final wire form past the codec that would
 * otherwise frame them, and the check that makes this safe. The bytes are {@link SharedBytes}:
 * a whole HTTP/1.1 chunk or a whole WebSocket frame, framed once per publication by Netty's own
 * encoder and shared by every subscriber of a format.
 *
 * <p>Such bytes must skip their codec (it would frame them again) and must still pass through every
 * handler between the codec and the socket that transforms what is written. When a transport
 * attaches, {@link #at} walks the handlers between the socket and the codec and sorts each one:
 * <ul>
 *   <li>inbound-only handlers never see writes: ignored;</li>
 *   <li>handlers known to pass writes on unchanged ({@link FlushConsolidationHandler},
 *       {@link IdleConnectionHandler}, which watches reads only, {@link ConnectionCounter}, which
 *       counts the bytes): skipped, so that a delivery touches as few per-connection contexts as
 *       possible (with thousands of connections each one is a cache miss);</li>
 *   <li>the access log's byte counter ({@link AccessLog.Counter}): skipped too; these writes are
 *       counted here instead ({@link #bytesWritten()}) and, once per flush, into the connection
 *       counter they skip;</li>
 *   <li>handlers that transform any byte stream whatever it holds (TLS, {@link SslHandler}): the
 *       writes start just past the last of them toward the codec, so they encrypt these bytes too
 *       (the access log's byte counter must not sit on the socket's side of one);</li>
 *   <li>anything else that handles writes: {@link #at} fails with an {@link IllegalStateException}
 *       naming the handler, rather than let pre-framed bytes bypass it.</li>
 * </ul>
 * The drain's flush starts from the same point, so a transforming handler that holds writes until
 * a flush (TLS does) sees it, and {@link FlushConsolidationHandler}, which would defer a flush made
 * outside a read to a task of its own, is skipped. Writes of the same connection made through the
 * whole pipeline (heartbeats, goodbyes) keep their order with these: no handler between here and
 * the socket holds writes back across a flush.
 *
 * <p>What it writes is added to the connection's {@link ConnectionCounter} (the bytes-sent metric)
 * once per flush, unless the writes pass through the counter anyway (it sits nearer the socket than
 * a byte-stream transformer they start past).
 *
 * <p>An HTTP/2 stream has no {@code HttpServerCodec} (its frames come from
 * {@code Http2StreamFrameToHttpObjectCodec}, and HTTP/2 has no chunked encoding): {@link #at} returns
 * null there and the transports write their content unframed (docs/protocol.md, "TLS and HTTP/2").
 *
 * <p>One instance per connection and codec; used on the connection's event loop.
 */
public final class FramedWrites {
    /** Outbound handlers that pass writes on unchanged and may be skipped. */
    private static final Set<Class<? extends ChannelHandler>> PASS_THROUGH =
            Set.of(FlushConsolidationHandler.class, IdleConnectionHandler.class, ConnectionCounter.class);

    private final Channel channel;
    private final Class<? extends ChannelHandler> codec;
    private ChannelHandlerContext start;
    /** Where the bytes written here are counted, or null when they pass through it (or there is none). */
    private ConnectionCounter counter;
    /** Bytes written since the last flush; on the event loop only. */
    private long unflushedBytes;
    /** Bytes written in all, for the access log; on the event loop only. */
    private long bytesWritten;

    private FramedWrites(Channel channel, Class<? extends ChannelHandler> codec, ChannelHandlerContext start) {
        this.channel = channel;
        this.codec = codec;
        this.start = start;
        this.counter = skippedCounter(channel.pipeline(), start);
    }

    /** The pipeline's {@link ConnectionCounter} when writes starting at {@code start} do not pass it, else null. */
    private static ConnectionCounter skippedCounter(ChannelPipeline pipeline, ChannelHandlerContext start) {
        ChannelHandlerContext counter = pipeline.context(ConnectionCounter.class);
        if (counter == null) {
            return null;
        }
        for (Map.Entry<String, ChannelHandler> entry : pipeline) {
            if (entry.getKey().equals(start.name())) {
                return (ConnectionCounter) counter.handler(); // reached the start first: writes skip the counter
            }
            if (entry.getKey().equals(counter.name())) {
                return null; // the counter is nearer the socket than the start: writes pass it
            }
        }
        return null;
    }

    /**
     * Checks the connection's pipeline and returns where bytes framed as {@code codec} frames them
     * are written, or null when no such codec is in the pipeline (then nothing can be written
     * pre-framed: write the content unframed, through the whole pipeline). Call on the event loop.
     *
     * @param channel the connection
     * @param codec   the encoder whose framing the bytes already have, e.g. {@code HttpServerCodec}
     * @throws IllegalStateException naming the handler, when one between the socket and the codec
     *                               handles writes and is neither known to pass them on unchanged
     *                               nor a byte-stream transformer
     */
    public static FramedWrites at(Channel channel, Class<? extends ChannelHandler> codec) {
        ChannelHandlerContext start = locate(channel.pipeline(), codec);
        return start == null ? null : new FramedWrites(channel, codec, start);
    }

    /** The context writes start from, or null without the codec; see the class comment. */
    static ChannelHandlerContext locate(ChannelPipeline pipeline, Class<? extends ChannelHandler> codec) {
        if (pipeline.context(codec) == null) {
            return null;
        }
        String afterTransformer = null;
        String accessCounter = null;
        boolean next = false;
        for (Map.Entry<String, ChannelHandler> entry : pipeline) {
            ChannelHandler handler = entry.getValue();
            if (next) {
                afterTransformer = entry.getKey();
                next = false;
            }
            if (codec.isInstance(handler)) {
                break;
            }
            if (!(handler instanceof ChannelOutboundHandler) || PASS_THROUGH.contains(handler.getClass())) {
                continue;
            }
            if (handler instanceof AccessLog.Counter) {
                accessCounter = entry.getKey();
                continue;
            }
            if (handler instanceof SslHandler) {
                if (accessCounter != null) {
                    throw new IllegalStateException("the access log's byte counter '" + accessCounter + "' sits between the socket"
                            + " and TLS handler '" + entry.getKey() + "': it would count every write encrypted, and these"
                            + " twice; add it on the codec's side of the TLS handler");
                }
                next = true;
                continue;
            }
            throw new IllegalStateException("handler '" + entry.getKey() + "' (" + handler.getClass().getName()
                    + ") sits between the socket and the " + codec.getSimpleName() + " and handles writes: bytes framed"
                    + " once per publication cannot be written past it. If it passes writes on unchanged, add it to"
                    + " FramedWrites' pass-through handlers; if it transforms any byte stream (like TLS), to its transformers");
        }
        return afterTransformer != null ? pipeline.context(afterTransformer) : pipeline.firstContext();
    }

    /**
     * Writes a view of {@code shared} ({@link SharedBytes#view}), without flushing.
     *
     * @return false, writing nothing, when the codec has left the pipeline since: write the content
     *         unframed through the whole pipeline instead
     */
    public boolean writeShared(ByteBuf shared) {
        return writeShared(shared, channel.voidPromise());
    }

    /**
     * Writes a view of {@code shared} ({@link SharedBytes#view}), without flushing; {@code promise}
     * completes when it was written to the socket (or failed).
     *
     * @return false, writing nothing and leaving {@code promise} alone, when the codec has left the
     *         pipeline since: write the content unframed through the whole pipeline instead
     */
    public boolean writeShared(ByteBuf shared, ChannelPromise promise) {
        ChannelHandlerContext from = start;
        if (from.isRemoved()) {
            from = locate(channel.pipeline(), codec);
            if (from == null) {
                return false;
            }
            start = from;
            counter = skippedCounter(channel.pipeline(), from);
        }
        unflushedBytes += shared.readableBytes();
        bytesWritten += shared.readableBytes();
        from.write(SharedBytes.view(shared), promise);
        return true;
    }

    /** The bytes written by {@link #writeShared} so far, for the access log ({@link AccessLog}). */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Flushes what was written on the connection, from the same point as the writes. */
    public void flush() {
        if (unflushedBytes > 0) {
            if (counter != null) {
                counter.sent(unflushedBytes);
            }
            unflushedBytes = 0;
        }
        ChannelHandlerContext from = start;
        if (from.isRemoved()) {
            channel.flush();
        } else {
            from.flush();
        }
    }
}
