package io.herald.server.socketio.engine;

import io.herald.server.http.HttpResponses;
import io.herald.server.transport.FramedWrites;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Engine.IO v4 session (docs/protocol.md, "Socket.IO"): its id, its bounded outbound packet
 * queue, its transport (HTTP long polling, possibly upgraded to a WebSocket), and the server's
 * ping/pong heartbeat. A session outlives the HTTP requests of long polling: each {@code GET} is
 * answered with what is queued (or held until something is), each {@code POST} brings packets.
 *
 * <p>Threading: the session belongs to one event loop ({@link #loop()}, the handshake connection's);
 * every method runs there. Requests arriving on other connections hop to it
 * ({@link EngineServer}); responses are written to their own channels (Netty hops those writes to
 * the channel's loop). Nothing blocks; no lock is held.
 *
 * <p>Bounds: the queue holds at most {@link EngineConfig#maxQueueBytes()}; {@link #writable()} turns
 * false before that so the layer above keeps its pushes in its own bounded queue, and a session whose
 * queue overflows anyway is closed.
 *
 * <p>Over a WebSocket on the session's own event loop, a packet built for many sessions
 * ({@link EnginePacket#shared}) is written as the whole WebSocket frame they all share, past the
 * frame encoder ({@link FramedWrites}), as {@code /ws} writes a publication; otherwise (polling, or a
 * WebSocket upgraded on another loop) its bytes are framed per session.
 */
public final class EngineSocket {
    /** Shared frames written (for tests: that the shared path is taken). */
    private static final LongAdder SHARED_FRAMES = new LongAdder();

    private static final AsciiString TEXT = AsciiString.cached("text/plain; charset=UTF-8");
    private static final AsciiString HTML = AsciiString.cached("text/html");

    private final EngineServer server;
    private final String sid;
    private final EventLoop loop;
    private final EngineConfig config;
    private EngineHandler handler;

    private final ArrayDeque<EnginePacket> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean wasUnwritable;

    /** The WebSocket once upgraded (or opened directly), else null: the session polls. */
    private Channel webSocket;
    /** {@link #webSocket}'s last handler, else null. */
    private EngineWebSocketHandler webSocketFrames;
    /** A WebSocket probing the upgrade ({@code 2probe} .. {@code 5}), else null. */
    private Channel probe;
    /** {@link #probe}'s last handler, else null. */
    private EngineWebSocketHandler probeFrames;
    /** Whether the probe answered {@code 3probe}: polls are then answered with a noop at once. */
    private boolean upgrading;
    /** The held {@code GET}, else null. */
    private ChannelHandlerContext poll;
    private boolean pollKeepAlive;
    private final ChannelFutureListener pollGone = f -> loopClose("transport close", null);

    private ScheduledFuture<?> pingTask;
    private ScheduledFuture<?> pongDeadline;
    private boolean closed;
    /** Set by a server-side {@link #close} waiting for its queue (ending with the close packet) to be sent. */
    private String closing;
    /** Whether {@link #poll} runs after its round trip through the probe's loop. */
    private boolean bounced;
    /** See {@link #linger()}. */
    private boolean lingering;
    /** How long a session closed by the client's {@code POST} stays known for its concurrent poll. */
    static final long LINGER_MS = 1000;

    EngineSocket(EngineServer server, String sid, EventLoop loop, EngineConfig config) {
        this.server = server;
        this.sid = sid;
        this.loop = loop;
        this.config = config;
    }

    /** How many frames shared by several sessions were written, in all sessions of the process (a figure for tests). */
    public static long sharedFramesWritten() {
        return SHARED_FRAMES.sum();
    }

    /** The session id ({@code sid}). */
    public String sid() {
        return sid;
    }

    /** The event loop every method of this session runs on. */
    public EventLoop loop() {
        return loop;
    }

    /** Whether the session ended. */
    public boolean isClosed() {
        return closed;
    }

    /** The transport in use: {@code "websocket"} or {@code "polling"}. */
    public String transportName() {
        return webSocket != null ? "websocket" : "polling";
    }

    /** Starts the session: the handler, then the first ping after the ping interval. */
    void start(EngineHandler handler) {
        this.handler = handler;
        schedulePing();
    }

    /**
     * Whether the session takes more packets now: its queue is under half its bound and, once
     * upgraded, its WebSocket is writable. When false, {@link EngineHandler#drained()} is called once it is again.
     */
    public boolean writable() {
        boolean ok = !closed && closing == null && (webSocket != null ? webSocket.isWritable() && queuedBytes < config.maxQueueBytes() / 2
                : queuedBytes < config.maxQueueBytes() / 2);
        if (!ok) {
            wasUnwritable = true;
        }
        return ok;
    }

    /**
     * Queues a packet without flushing. A session whose queue goes past its bound is closed
     * ({@code "transport error"}: the client does not fetch what it is sent).
     */
    public void send(EnginePacket packet) {
        if (closed || closing != null) {
            return;
        }
        queue.add(packet);
        queuedBytes += packet.size();
        if (queuedBytes > config.maxQueueBytes()) {
            close("transport error");
        }
    }

    /** Sends what is queued: over the WebSocket, or as the answer to the held poll. */
    public void flush() {
        if (closed || queue.isEmpty()) {
            return;
        }
        if (webSocket != null) {
            // FramedWrites is used on the connection's loop only: a WebSocket upgraded on another
            // loop gets every packet framed by Netty's encoder (its writes hop to that loop in order)
            FramedWrites framed = webSocket.eventLoop() == loop ? webSocketFrames.framed() : null;
            boolean shared = false;
            while (!queue.isEmpty()) {
                EnginePacket p = queue.poll();
                ByteBuf frame = framed != null ? p.sharedWebSocketFrame() : null;
                if (frame != null && framed.writeShared(frame)) {
                    shared = true;
                    SHARED_FRAMES.increment(); // before the flush: counted by the time the client has it
                } else {
                    webSocket.write(p.binary() != null ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p.binary()))
                            : new TextWebSocketFrame(p.wireFrameContent()), webSocket.voidPromise());
                }
            }
            queuedBytes = 0;
            if (shared) {
                framed.flush(); // from where the shared frames were written (counts their bytes)
            } else {
                webSocket.flush();
            }
            writableAgain();
        } else if (poll != null && !upgrading) {
            answerPoll(drain());
        }
        if (closing != null && queue.isEmpty()) {
            loopClose(closing, null); // the close packet is out: nothing more to answer
        }
    }

    private List<EnginePacket> drain() {
        List<EnginePacket> packets = new ArrayList<>(queue);
        queue.clear();
        queuedBytes = 0;
        return packets;
    }

    private void answerPoll(List<EnginePacket> packets) {
        ChannelHandlerContext ctx = poll;
        poll = null;
        ctx.channel().closeFuture().removeListener(pollGone);
        HttpResponses.send(ctx, pollKeepAlive, HttpResponseStatus.OK, TEXT,
                Unpooled.wrappedBuffer(EnginePacket.encodePayload(packets)));
        writableAgain();
    }

    private void writableAgain() {
        if (wasUnwritable && !closed && writable()) {
            wasUnwritable = false;
            handler.drained();
        }
    }

    /**
     * Ends the session from the server's side: the client sees its transport close. On polling with no
     * poll held, what is queued (e.g. Herald's {@code goodbye}) is not dropped: it goes with the next
     * poll, followed by the close packet, as the reference server's {@code socket.close()} waits for its
     * buffer to drain; if the client never polls again, the ping timeout ends the session. A
     * {@code "transport error"} or {@code "ping timeout"} closes at once (the client is not reading).
     */
    public void close(String reason) {
        if (!closed && closing == null && poll == null && webSocket == null && !queue.isEmpty()
                && !"transport error".equals(reason) && !"ping timeout".equals(reason)) {
            closing = reason;
            queue.add(EnginePacket.CLOSE_PACKET);
            queuedBytes += EnginePacket.CLOSE_PACKET.size();
            return;
        }
        loopClose(reason, EnginePacket.CLOSE_PACKET);
    }

    /** @param pollAnswer what a held poll is answered with, or null to leave it (its connection is gone) */
    private void loopClose(String reason, EnginePacket pollAnswer) {
        if (closed) {
            return;
        }
        List<EnginePacket> last = null;
        if (poll != null && pollAnswer != null) {
            last = drain(); // what is queued (e.g. a goodbye) goes with the answer
            last.add(pollAnswer);
        } else if (webSocket != null && webSocket.isActive()) {
            flush();
        }
        closed = true;
        cancel(pingTask);
        cancel(pongDeadline);
        server.remove(this);
        if (poll != null) {
            ChannelHandlerContext ctx = poll;
            poll = null;
            ctx.channel().closeFuture().removeListener(pollGone);
            if (last != null) {
                HttpResponses.send(ctx, pollKeepAlive, HttpResponseStatus.OK, TEXT,
                        Unpooled.wrappedBuffer(EnginePacket.encodePayload(last)));
            }
        }
        if (webSocket != null) {
            webSocket.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
        }
        if (probe != null) {
            probe.close();
        }
        queue.clear();
        queuedBytes = 0;
        if (handler != null) {
            handler.closed(reason);
        }
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * The next ping after the ping interval, and the session's end a ping timeout after that unless a
     * pong comes first; both timed from now, so a ping sent late does not give the client more time.
     */
    private void schedulePing() {
        long interval = config.pingInterval().toMillis();
        pingTask = loop.schedule(() -> {
            send(EnginePacket.PING_PACKET);
            flush();
        }, interval, TimeUnit.MILLISECONDS);
        pongDeadline = loop.schedule(() -> close("ping timeout"), interval + config.pingTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** A packet from the client, over whichever transport. */
    private void received(EnginePacket p) {
        switch (p.type()) {
            case EnginePacket.PONG -> {
                cancel(pongDeadline);
                pongDeadline = null;
                cancel(pingTask);
                schedulePing();
            }
            case EnginePacket.MESSAGE -> handler.text(p.text());
            case EnginePacket.BINARY -> handler.binary(p.binary());
            case EnginePacket.CLOSE -> {
                boolean polled = poll != null;
                loopClose("transport close", EnginePacket.NOOP_PACKET);
                if (!polled && webSocket == null) {
                    linger();
                }
            }
            case EnginePacket.NOOP -> {
            }
            default -> loopClose("parse error", EnginePacket.CLOSE_PACKET); // open, ping, upgrade: not from a client here
        }
    }

    // ---- HTTP long polling ----

    /**
     * After the client's close packet came in a {@code POST} while no poll was held, the id stays known
     * for {@link #LINGER_MS} so that the poll the client sent with it, arriving second on another
     * connection, ends with a noop as it would have had it come first; later polls get 400.
     */
    private void linger() {
        lingering = true;
        server.keep(this);
        loop.schedule(this::endLinger, LINGER_MS, TimeUnit.MILLISECONDS);
    }

    private void endLinger() {
        if (lingering) {
            lingering = false;
            server.remove(this);
        }
    }

    /** A {@code GET} with this session's id. */
    void poll(ChannelHandlerContext ctx, boolean keepAlive) {
        if (lingering) {
            endLinger();
            HttpResponses.send(ctx, keepAlive, HttpResponseStatus.OK, TEXT,
                    Unpooled.wrappedBuffer(EnginePacket.encodePayload(List.of(EnginePacket.NOOP_PACKET))));
        } else if (closed) {
            EngineError.UNKNOWN_SID.answer(ctx, keepAlive);
        } else if (webSocket != null) {
            EngineError.BAD_REQUEST.answer(ctx, keepAlive); // upgraded: polling is over
        } else if (poll != null) {
            EngineError.BAD_REQUEST.answer(ctx, keepAlive); // two polls at once: the session ends
            close("transport error");
        } else if (probe != null && !upgrading && !bounced) {
            // A WebSocket probe is open: what its loop already read (its 2probe, its 5) is handed to
            // this loop before the poll is, as it came first on the wire (the upgrade must not answer
            // a poll the client sent after it).
            Channel p = probe;
            p.eventLoop().execute(() -> loop.execute(() -> {
                bounced = true;
                try {
                    poll(ctx, keepAlive);
                } finally {
                    bounced = false;
                }
            }));
        } else if (upgrading) {
            HttpResponses.send(ctx, keepAlive, HttpResponseStatus.OK, TEXT,
                    Unpooled.wrappedBuffer(EnginePacket.encodePayload(List.of(EnginePacket.NOOP_PACKET))));
        } else {
            poll = ctx;
            pollKeepAlive = keepAlive;
            ctx.channel().closeFuture().addListener(pollGone);
            flush();
        }
    }

    /** A {@code POST} with this session's id and its body (packets joined by {@code 0x1e}). */
    void post(ChannelHandlerContext ctx, boolean keepAlive, String body) {
        if (closed) {
            EngineError.UNKNOWN_SID.answer(ctx, keepAlive);
            return;
        }
        if (webSocket != null) {
            EngineError.BAD_REQUEST.answer(ctx, keepAlive);
            return;
        }
        List<EnginePacket> packets;
        try {
            packets = EnginePacket.parsePayload(body);
        } catch (IllegalArgumentException e) {
            EngineError.BAD_REQUEST.answer(ctx, keepAlive);
            loopClose("parse error", EnginePacket.CLOSE_PACKET);
            return;
        }
        HttpResponses.send(ctx, keepAlive, HttpResponseStatus.OK, HTML,
                Unpooled.wrappedBuffer("ok".getBytes(StandardCharsets.US_ASCII)));
        for (EnginePacket p : packets) {
            if (closed) {
                return;
            }
            received(p);
        }
    }

    // ---- WebSocket ----

    /** A WebSocket opened directly (no {@code sid}): the session's transport from the start. */
    void webSocketOpened(Channel channel, EngineWebSocketHandler frames) {
        webSocket = channel;
        webSocketFrames = frames;
    }

    /**
     * A WebSocket opened with this session's id: the upgrade probe. Refused
     * ({@link EngineWebSocketHandler#refuse}: closed once its handshake is done) when the session
     * already upgraded, is probing, or ended.
     */
    void probeOpened(Channel channel, EngineWebSocketHandler frames) {
        if (closed || webSocket != null || probe != null) {
            frames.refuse();
            return;
        }
        probe = channel;
        probeFrames = frames;
    }

    /** A text frame from {@code channel}. */
    void webSocketText(Channel channel, String text) {
        if (closed) {
            return;
        }
        if (channel == probe) {
            probeText(channel, text);
            return;
        }
        if (channel != webSocket) {
            return;
        }
        EnginePacket p;
        try {
            p = EnginePacket.parse(text, false);
        } catch (IllegalArgumentException e) {
            loopClose("parse error", null);
            return;
        }
        received(p);
    }

    private void probeText(Channel channel, String text) {
        if (text.equals("2probe")) {
            channel.writeAndFlush(new TextWebSocketFrame("3probe"));
            upgrading = true;
            if (poll != null) {
                answerPoll(List.of(EnginePacket.NOOP_PACKET)); // the client's pending poll ends so it can upgrade
            }
        } else if (text.equals("5") && upgrading) {
            probe = null;
            upgrading = false;
            webSocket = channel;
            webSocketFrames = probeFrames;
            probeFrames = null;
            if (poll != null) {
                answerPoll(List.of(EnginePacket.NOOP_PACKET));
            }
            flush();
            writableAgain();
        } else {
            probe = null;
            probeFrames = null;
            upgrading = false;
            channel.close();
        }
    }

    /** A binary frame from {@code channel}. */
    void webSocketBinary(Channel channel, byte[] bytes) {
        if (!closed && channel == webSocket) {
            handler.binary(bytes);
        }
    }

    /** {@code channel}'s writability changed. */
    void webSocketWritabilityChanged(Channel channel) {
        if (channel == webSocket && channel.isWritable()) {
            writableAgain();
        }
    }

    /** {@code channel} closed. */
    void webSocketClosed(Channel channel) {
        if (channel == probe) {
            probe = null;
            probeFrames = null;
            upgrading = false;
        } else if (channel == webSocket && !closed) {
            webSocket = null;
            loopClose("transport close", null);
        }
    }
}
