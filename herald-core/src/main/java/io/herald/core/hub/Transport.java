package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.util.concurrent.Executor;

/**
 * One wire technique's side of a {@link Session}: it writes pushes and closes, and never reads.
 * Implemented by each transport of the server (SSE, WebSocket, streaming, iframe, long polling).
 *
 * <p>Threading: {@link #write} and {@link #flush} are called only on {@link #executor()}, the
 * connection's I/O thread, by the session's drain loop. {@link #close} may be called from any thread.
 */
public interface Transport {

    /** The transport's name: {@code websocket}, {@code sse}, {@code xhr-streaming}, {@code iframe}, {@code long-polling}. */
    String name();

    /** Whether the client can send nothing over it after the request (all but WebSocket). */
    boolean unidirectional();

    /** The single thread on which {@link #write} and {@link #flush} run. */
    Executor executor();

    /**
     * Whether the connection can take more bytes now. When false the session stops draining and
     * leaves pushes in its bounded queue; the transport calls {@link Session#onWritable()} when
     * this turns true again. Called on {@link #executor()}.
     */
    boolean writable();

    /** Encodes and writes one push without flushing. Called on {@link #executor()}. */
    void write(Push push);

    /** Flushes what {@link #write} wrote. Called on {@link #executor()} once per drain. */
    void flush();

    /**
     * Runs {@code task} on {@link #executor()} within {@code delayNanos} from now, rather than at
     * once, so that what is queued meanwhile is written and flushed together (coalescing): the
     * transport may run it together with other delayed tasks of its executor, never later than the
     * delay. The session uses it for its drain when it flushed less than its coalescing budget ago.
     * By default the task runs at once.
     */
    default void executeCoalesced(Runnable task, long delayNanos) {
        executor().execute(task);
    }

    /**
     * {@link System#nanoTime()}, or a reading taken a moment ago on {@link #executor()} (e.g. when a
     * batch of coalesced drains started), which the session records as its flush time. Called on
     * {@link #executor()}.
     */
    default long clockNanos() {
        return System.nanoTime();
    }

    /**
     * Ends the connection for {@code reason}, telling the client the code and whether to reconnect
     * where the wire format allows. Idempotent; any thread. The transport then calls
     * {@link Session#onClosed()}.
     */
    void close(Disconnect reason);
}
