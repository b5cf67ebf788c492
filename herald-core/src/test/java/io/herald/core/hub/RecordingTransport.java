package io.herald.core.hub;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * A test transport that records what a session writes and how the writes were flushed: on its own
 * single thread, or on an executor shared with other transports (an event loop's stand-in, possibly
 * a {@link CoalescingExecutor}). Writability and failing writes are switches. Public for the tests
 * of other packages and modules (herald-core's test-jar).
 */
public final class RecordingTransport implements Transport {
    final Executor executor;
    /** Every push written, in order. */
    public final List<Push> written = new CopyOnWriteArrayList<>();
    /** The publication offsets each flush carried, one list per flush. */
    final List<List<Long>> flushed = new CopyOnWriteArrayList<>();
    /** When each flush happened ({@link System#nanoTime()}). */
    final List<Long> flushNanos = new CopyOnWriteArrayList<>();
    /** Offsets written since the last flush; touched on the executor only. */
    private final List<Long> unflushed = new ArrayList<>();
    /** Whether the connection takes more bytes. */
    public volatile boolean writable = true;
    /** When set, writing a publication throws, as an encoder failing would. */
    volatile boolean failWrites;
    /** The reason the session closed this transport with, or null. */
    public volatile Disconnect closedWith;
    /** When the session closed this transport ({@link System#nanoTime()}), or 0. */
    public volatile long closedNanos;
    /** What {@link #showsConflation()} answers. */
    public volatile boolean showsConflation;
    /** The session, set by the test after {@code node.newSession(this)}. */
    public Session session;

    /** A transport writing on a single thread of its own. */
    public RecordingTransport() {
        this(Executors.newSingleThreadExecutor());
    }

    /** @param executor the single thread this transport writes on, possibly shared */
    public RecordingTransport(Executor executor) {
        this.executor = executor;
    }

    @Override
    public String name() {
        return "recording";
    }


    @Override
    public boolean showsConflation() {
        return showsConflation;
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
        if (push instanceof Publication p) {
            unflushed.add(p.offset());
        }
    }

    @Override
    public void flush() {
        flushed.add(List.copyOf(unflushed));
        flushNanos.add(System.nanoTime());
        unflushed.clear();
    }

    @Override
    public void close(Disconnect reason) {
        closedNanos = System.nanoTime();
        closedWith = reason;
        executor.execute(() -> session.onClosed());
    }

    /** The offsets of the publications written, in order. */
    public List<Long> offsets() {
        return written.stream().filter(p -> p instanceof Publication).map(p -> ((Publication) p).offset()).toList();
    }

    /** The subscribe notice written first. */
    public Subscribed notice() {
        return (Subscribed) written.stream().filter(p -> p instanceof Subscribed).findFirst().orElseThrow();
    }
}
