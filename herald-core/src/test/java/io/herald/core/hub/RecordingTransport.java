package io.herald.core.hub;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * A transport that records what a session writes, on its own single thread or on an executor
 * shared with other transports (an event loop's stand-in); writability and failing writes are
 * switches.
 */
final class RecordingTransport implements Transport {
    final Executor executor;
    final List<Push> written = new CopyOnWriteArrayList<>();
    volatile boolean writable = true;
    /** When set, writing a publication throws, as an encoder failing would. */
    volatile boolean failWrites;
    volatile Disconnect closedWith;
    volatile int flushes;
    Session session;

    RecordingTransport() {
        this(Executors.newSingleThreadExecutor());
    }

    /** @param executor the single thread this transport writes on, possibly shared */
    RecordingTransport(Executor executor) {
        this.executor = executor;
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public boolean unidirectional() {
        return true;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void write(Push push) {
        if (failWrites && push instanceof Publication) {
            throw new IllegalStateException("this connection cannot encode");
        }
        written.add(push);
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close(Disconnect reason) {
        closedWith = reason;
        executor.execute(() -> session.onClosed());
    }

    List<Long> offsets() {
        return written.stream().filter(p -> p instanceof Publication).map(p -> ((Publication) p).offset()).toList();
    }

    Subscribed notice() {
        return (Subscribed) written.stream().filter(p -> p instanceof Subscribed).findFirst().orElseThrow();
    }
}
