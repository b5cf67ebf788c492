package io.herald.server.sockjs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One SockJS session (docs/protocol.md, "SockJS"): its state (new, open, closed), its outbox of
 * messages waiting for a receiver, the one receiver it writes to, its heartbeat ({@code h}) and its
 * timeout (ended when no receiver came for {@code disconnectDelay}).
 *
 * <p>Bounds: the outbox holds at most {@code outboxMaxBytes} of messages; an app that would exceed
 * it ({@link #send} returns false) is told, and the Herald app then keeps pushes in the core
 * session's bounded queue (which ends the session {@code 4000} when it overflows,
 * docs/protocol.md, "Disconnect codes"); a message past twice the bound closes the session
 * {@code c[1009,"Outbox full"]}. One frame is in flight to the receiver at a time: the next is
 * written when the previous reached the socket, so a client that does not read fills the outbox,
 * never Netty's buffer.
 *
 * <p>Threading: every method runs on {@link #loop()}, the event loop of the request that created
 * the session; requests on other loops hop there. No thread per session, nothing blocks.
 */
final class SockJsSession {
    /** The close frame's code and reason for a second receiver (protocol.md "SockJS"). */
    static final String ANOTHER_CONNECTION = "c[2010,\"Another connection still open\"]";

    private enum State { NEW, OPEN, CLOSED }

    private final String id;
    private final EventLoop loop;
    private final SockJsApp app;
    private final Duration heartbeat;
    private final Duration disconnectDelay;
    private final long outboxMaxBytes;
    private final Runnable forget;
    private final ArrayDeque<ByteBuf> outbox = new ArrayDeque<>();
    private long outboxBytes;
    /** The shared forms of the outbox's one message while it holds exactly one publication, else null. */
    private SockJsJson.Shared sole;
    private State state = State.NEW;
    private String closeFrame;
    private Receiver receiver;
    /** Ends the session when the receiver's connection closes under it; removed when the receiver is done. */
    private ChannelFutureListener closeListener;
    private boolean inFlight;
    private boolean appClosed;
    private ScheduledFuture<?> heartbeatTask;
    private ScheduledFuture<?> timeoutTask;

    /**
     * @param id              the session id from the URL (null for a WebSocket's own session)
     * @param loop            the event loop the session lives on
     * @param app             what runs inside
     * @param heartbeat       the interval of {@code h} frames
     * @param disconnectDelay how long the session waits for a receiver before it ends
     * @param outboxMaxBytes  the outbox's bound, bytes
     * @param forget          removes the session from its registry once it ends
     */
    SockJsSession(String id, EventLoop loop, SockJsApp app, Duration heartbeat, Duration disconnectDelay,
                  long outboxMaxBytes, Runnable forget) {
        this.id = id;
        this.loop = loop;
        this.app = app;
        this.heartbeat = heartbeat;
        this.disconnectDelay = disconnectDelay;
        this.outboxMaxBytes = outboxMaxBytes;
        this.forget = forget;
    }

    EventLoop loop() {
        return loop;
    }

    String id() {
        return id;
    }

    /** Whether the session ended (its close frame is what every later receiver gets). */
    boolean closed() {
        return state == State.CLOSED;
    }

    /**
     * A receiving request or WebSocket arrived: a new session opens ({@code o}); a closed one
     * answers its close frame; a second receiver gets {@code c[2010,...]}; else the outbox is
     * written to it.
     */
    void attach(Receiver r) {
        if (state == State.CLOSED) {
            if (!outbox.isEmpty()) {
                r.frame(drain()); // what was queued before the close (e.g. Herald's goodbye), then the close frame
            }
            r.frame(ascii(closeFrame)); // a poll that took the messages leaves it to the next request
            r.end();
            return;
        }
        if (receiver != null) {
            r.frame(ascii(ANOTHER_CONNECTION));
            r.end();
            return;
        }
        cancelTimeout();
        receiver = r;
        closeListener = f -> loop.execute(() -> interrupted(r));
        r.channel().closeFuture().addListener(closeListener);
        if (state == State.NEW) {
            state = State.OPEN;
            heartbeatTask = loop.scheduleAtFixedRate(this::beat, heartbeat.toMillis(), heartbeat.toMillis(),
                    TimeUnit.MILLISECONDS);
            write(ascii("o"));
            app.opened(this);
            return;
        }
        flush();
    }

    /** Messages from the client ({@code xhr_send}, {@code jsonp_send}, a WebSocket message), in order, to the app. */
    void receive(Iterable<String> messages) {
        for (String m : messages) {
            if (state != State.OPEN) {
                return;
            }
            app.message(m);
        }
    }

    /**
     * Queues one message (a JSON string literal, UTF-8; ownership passes) and writes it when a
     * receiver is there.
     *
     * @return false when the outbox is now at or over its bound: the app should hold further pushes
     *         until {@link SockJsApp#drained}
     */
    boolean send(ByteBuf literal) {
        return send(literal, null);
    }

    /**
     * Queues one publication's message, like {@link #send(ByteBuf)}; when it is written alone, the
     * receiver writes its frame shared by every session ({@link Receiver#frame(SockJsJson.Shared)}).
     */
    boolean send(SockJsJson.Shared shared) {
        return send(Unpooled.wrappedBuffer(shared.literal), shared);
    }

    private boolean send(ByteBuf literal, SockJsJson.Shared shared) {
        if (state == State.CLOSED) {
            literal.release();
            return false;
        }
        sole = outbox.isEmpty() ? shared : null;
        outbox.add(literal);
        outboxBytes += literal.readableBytes() + 1;
        if (outboxBytes > 2 * outboxMaxBytes) {
            close(1009, "Outbox full");
            return false;
        }
        return outboxBytes < outboxMaxBytes;
    }

    /** Whether the outbox has room. */
    boolean writable() {
        return state != State.CLOSED && outboxBytes < outboxMaxBytes;
    }

    /** Writes the outbox as one {@code a[...]} frame when a receiver is there and nothing is in flight. */
    void flush() {
        if (receiver == null || inFlight || outbox.isEmpty() || state != State.OPEN) {
            return;
        }
        SockJsJson.Shared shared = sole;
        if (shared != null && outbox.size() == 1) {
            outbox.poll().release();
            outboxBytes = 0;
            sole = null;
            write(null, shared); // one publication: the frame every session shares
        } else {
            write(drain(), null);
        }
        app.drained();
    }

    private void write(ByteBuf frame) {
        write(frame, null);
    }

    /**
     * Writes a frame, or else the shared frame of one publication, to the receiver; the next flush
     * waits until it reached the socket. Polls end after one frame.
     */
    private void write(ByteBuf frame, SockJsJson.Shared shared) {
        Receiver r = receiver;
        inFlight = true;
        (shared != null ? r.frame(shared) : r.frame(frame)).addListener((ChannelFutureListener) f -> loop.execute(() -> {
            if (receiver == r) {
                inFlight = false;
                flush();
            }
        }));
        if (r.full()) {
            detach(r);
            r.end();
        }
    }

    private void beat() {
        if (receiver != null && !inFlight && state == State.OPEN) {
            write(ascii("h"));
        }
    }

    /** The receiver is done (answered or past its limit): the session waits for the next within the disconnect delay. */
    private void detach(Receiver r) {
        if (receiver != r) {
            return;
        }
        receiver = null;
        inFlight = false;
        r.channel().closeFuture().removeListener(closeListener);
        if (state != State.CLOSED) {
            timeoutTask = loop.schedule(this::timedOut, disconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The receiver's connection closed while it was attached: the session ends {@code c[1002,"Connection interrupted"]}. */
    private void interrupted(Receiver r) {
        if (receiver == r) {
            receiver = null;
            inFlight = false;
            close(1002, "Connection interrupted");
        }
    }

    private void timedOut() {
        timeoutTask = null;
        if (receiver == null) {
            if (state != State.CLOSED) {
                close(1000, "Session timed out"); // nobody to tell: it ends here
            }
            end();
        }
    }

    /**
     * Closes the session with {@code c[code,"reason"]}: written after the outbox to the receiver,
     * which then ends, or, without one, kept with the outbox for the next request; every later
     * receiver gets the same frame until the session is forgotten after the disconnect delay.
     * Idempotent.
     */
    void close(int code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        state = State.CLOSED;
        closeFrame = "c[" + code + "," + SockJsJson.quote(reason) + "]";
        cancelHeartbeat();
        Receiver r = receiver;
        if (r != null) {
            receiver = null;
            r.channel().closeFuture().removeListener(closeListener);
            if (was == State.OPEN && !outbox.isEmpty()) {
                state = State.OPEN; // write what is queued first
                receiver = r;
                inFlight = false;
                flushAll(r);
                receiver = null;
                state = State.CLOSED;
            }
            r.frame(ascii(closeFrame));
            r.close(code, reason);
        }
        // without a receiver the outbox stays for the next request (until the session is forgotten)
        cancelTimeout();
        timeoutTask = loop.schedule(this::end, disconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
        closeApp();
    }

    /** Writes the outbox to {@code r} now, whatever is in flight (the session is closing). */
    private void flushAll(Receiver r) {
        if (outbox.isEmpty()) {
            return;
        }
        r.frame(drain());
    }

    /** The outbox as one {@code a[m1,m2,...]} frame (the messages' bytes, not copied); the outbox is then empty. */
    private ByteBuf drain() {
        CompositeByteBuf frame = Unpooled.compositeBuffer(outbox.size() * 2 + 2);
        frame.addComponent(true, ascii("a["));
        boolean first = true;
        while (!outbox.isEmpty()) {
            if (!first) {
                frame.addComponent(true, ascii(","));
            }
            first = false;
            frame.addComponent(true, outbox.poll());
        }
        frame.addComponent(true, ascii("]"));
        outboxBytes = 0;
        sole = null;
        return frame;
    }

    /** The session is forgotten: closed for good and out of the registry. */
    private void end() {
        timeoutTask = null;
        state = State.CLOSED;
        if (closeFrame == null) {
            closeFrame = "c[1000,\"Session timed out\"]";
        }
        cancelHeartbeat();
        releaseOutbox();
        closeApp();
        forget.run();
    }

    /** The WebSocket carrying this session closed: the session ends with it. */
    void connectionClosed() {
        if (state != State.CLOSED) {
            close(1002, "Connection interrupted");
        }
        cancelTimeout();
        end();
    }

    private void closeApp() {
        if (!appClosed) {
            appClosed = true;
            app.closed();
        }
    }

    private void releaseOutbox() {
        ByteBuf b;
        while ((b = outbox.poll()) != null) {
            b.release();
        }
        outboxBytes = 0;
        sole = null;
    }

    private void cancelHeartbeat() {
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
            heartbeatTask = null;
        }
    }

    private void cancelTimeout() {
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
    }

    static ByteBuf ascii(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }
}
