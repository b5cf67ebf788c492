package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.util.concurrent.Executor;

/**
 * One wire technique's side of a {@link Session}: it writes pushes, flushes, says whether the
 * connection takes more bytes, and closes with a reason. It never reads and never schedules: the
 * session's {@link Delivery} decides when to write. Implemented by each transport of the server
 * (SSE, WebSocket, XHR streaming, iframe, long polling) and by {@link io.herald.core.LocalSubscriber}.
 *
 * <p>Threading: {@link #writable}, {@link #write} and {@link #flush} are called only on
 * {@link #executor()}, the connection's single I/O thread. {@link #close} may be called from any
 * thread. The transport reports back two events: {@link Session#onWritable()} when the connection
 * drains, and {@link Session#onClosed()} once it is gone.
 */
public interface Transport {

    /** The transport's name: {@code websocket}, {@code sse}, {@code xhr-streaming}, {@code iframe}, {@code long-polling}. */
    String name();

    /**
     * Whether this transport's sessions announce their joins and leaves (docs/protocol.md,
     * "Presence"): true for connections that stay; false for long polling, whose every request is a
     * session of its own, so that each poll is not a join and a leave for everyone else.
     */
    default boolean announcesPresence() {
        return true;
    }

    /**
     * Whether this transport's wire format tells the client how many publications a conflated one
     * replaced ({@link io.herald.core.Publication#conflated()}; docs/protocol.md, "Conflation"):
     * only then are its sessions' queued publications conflated; a transport that cannot say so
     * (payload-only formats) has its slow sessions disconnected instead, so a skip is never
     * silent. False by default.
     */
    default boolean showsConflation() {
        return false;
    }

    /**
     * The single thread on which {@link #write} and {@link #flush} run, e.g. the connection's event
     * loop. Connections of one thread should return the same instance, so that a fan-out hands
     * their drains to it together. When it is a {@link CoalescingExecutor}, sessions that flushed
     * recently hold their next drain within the coalescing budget.
     */
    Executor executor();

    /**
     * Whether the connection can take more bytes now. When false the delivery stops writing and
     * leaves pushes in the session's bounded queue; the transport calls {@link Session#onWritable()}
     * when this turns true again. Called on {@link #executor()}.
     */
    boolean writable();

    /** Encodes and writes one push without flushing. Called on {@link #executor()}. */
    void write(Push push);

    /** Flushes what {@link #write} wrote. Called on {@link #executor()} once per drain. */
    void flush();

    /**
     * Ends the connection for {@code reason}, telling the client the code and whether to reconnect
     * where the wire format allows (docs/protocol.md, "Disconnect codes"). Idempotent; any thread.
     * The transport then calls {@link Session#onClosed()}.
     */
    void close(Disconnect reason);
}
