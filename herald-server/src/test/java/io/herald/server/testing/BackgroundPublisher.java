package io.herald.server.testing;

import io.herald.core.Payload;
import io.herald.server.HeraldServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that publishes {@code prefix0 .. prefix(count-1)} as text to one channel, with short
 * random pauses, while a test reads, disconnects and resumes. Close it to stop and join.
 */
public final class BackgroundPublisher implements AutoCloseable {
    private final List<String> expected = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile Throwable failure;

    private BackgroundPublisher(HeraldServer server, String channel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            expected.add(prefix + i);
        }
        thread = new Thread(() -> {
            try {
                for (String data : expected) {
                    if (stop) {
                        return;
                    }
                    server.publish(channel, null, Payload.text(data)).join();
                    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
                }
            } catch (Throwable e) {
                failure = e;
            }
        }, "publisher-" + channel);
        thread.setDaemon(true);
    }

    /** Starts publishing {@code count} texts {@code prefix + i} to {@code channel}. */
    public static BackgroundPublisher start(HeraldServer server, String channel, String prefix, int count) {
        BackgroundPublisher publisher = new BackgroundPublisher(server, channel, prefix, count);
        publisher.thread.start();
        return publisher;
    }

    /** Everything this publisher publishes, in order. */
    public List<String> expected() {
        return expected;
    }

    /** Whether it has published everything (or failed). */
    public boolean done() {
        return !thread.isAlive();
    }

    /** Waits until it has published everything; rethrows its failure. */
    public void join() throws InterruptedException {
        thread.join();
        if (failure != null) {
            throw new AssertionError("publisher failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join();
    }
}
