package io.herald.core.hub;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A transport that records what a session writes, on its own single thread; writability is a switch. */
final class RecordingTransport implements Transport {
    final ExecutorService executor = Executors.newSingleThreadExecutor();
    final List<Push> written = new CopyOnWriteArrayList<>();
    volatile boolean writable = true;
    volatile Disconnect closedWith;
    volatile int flushes;
    Session session;

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public boolean unidirectional() {
        return true;
    }

    @Override
    public ExecutorService executor() {
        return executor;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void write(Push push) {
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
