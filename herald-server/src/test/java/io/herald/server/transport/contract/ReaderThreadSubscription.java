package io.herald.server.transport.contract;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A subscription over a blocking stream (an HTTP response body read with java.net.http): a thread
 * of its own reads and parses it with a {@link Reader}, and {@link #next()} takes what it queued, with
 * {@link TransportClient#WAIT} as the deadline, so a test never blocks on a silent stream. A parse
 * failure on that thread fails the {@code next()} that reaches it. {@link #close()} closes the
 * response body itself (not a reader over it, whose lock the reading thread holds), which ends the
 * connection.
 */
final class ReaderThreadSubscription implements TransportClient.Subscription {
    /** What the reader thread does: parse the stream, handing each signal to the consumer; return at its end. */
    @FunctionalInterface
    interface Reader {
        void read(Consumer<Signal> emit) throws Exception;
    }

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Closeable source;
    private final Thread thread;
    private volatile boolean closed;

    /** Starts reading {@code source} with {@code reader} on a daemon thread named {@code name}. */
    ReaderThreadSubscription(String name, Closeable source, Reader reader) {
        this.source = source;
        this.thread = new Thread(() -> {
            try {
                reader.read(queue::add);
                queue.add(Signal.end(null));
            } catch (Throwable e) {
                if (!closed) {
                    queue.add(e);
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Signal next() throws Exception {
        Object o = queue.poll(TransportClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            throw new AssertionError("nothing received within " + TransportClient.WAIT);
        }
        if (o instanceof Throwable e) {
            throw new AssertionError("reading the stream failed: " + e, e);
        }
        return (Signal) o;
    }

    @Override
    public void close() {
        closed = true;
        try {
            source.close();
            thread.join(TransportClient.WAIT.toMillis());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
