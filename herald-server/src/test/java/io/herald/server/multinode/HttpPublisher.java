package io.herald.server.multinode;

import io.herald.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that publishes {@code prefix0}, {@code prefix1}, ... as text through {@code POST /pub} of
 * one node, one request at a time with a short pause, until {@link #close() closed}, the
 * {@code count} is reached, or the node cannot be reached (a stopped or killed node). It records the
 * id of every publication the node acknowledged ({@code 200}) and counts the other answers.
 */
final class HttpPublisher implements AutoCloseable {
    private final List<String> acknowledged = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile int refused;
    private volatile Throwable unreachable;

    private HttpPublisher(TestServer node, String channel, String prefix, int count, long pauseNanos) {
        thread = new Thread(() -> {
            for (int i = 0; i < count && !stop; i++) {
                HttpResponse<String> r;
                try {
                    r = node.post("/pub/" + channel, prefix + i, "text/plain");
                } catch (RuntimeException e) {
                    unreachable = e;
                    return;
                }
                if (r.statusCode() == 200) {
                    synchronized (this) {
                        acknowledged.add(TestServer.json(r.body()).get("id").asText());
                        texts.add(prefix + i);
                    }
                } else {
                    refused++;
                }
                LockSupport.parkNanos(pauseNanos);
            }
        }, "http-publisher-" + channel);
        thread.setDaemon(true);
    }

    /** Starts publishing up to {@code count} texts to {@code channel} of {@code node}, pausing {@code pauseNanos} between them. */
    static HttpPublisher start(TestServer node, String channel, String prefix, int count, long pauseNanos) {
        HttpPublisher publisher = new HttpPublisher(node, channel, prefix, count, pauseNanos);
        publisher.thread.start();
        return publisher;
    }

    /** The ids of the publications acknowledged so far, in the order of the acknowledgements (a copy). */
    synchronized List<String> acknowledged() {
        return new ArrayList<>(acknowledged);
    }

    /** The texts of the publications acknowledged so far, in the same order (a copy). */
    synchronized List<String> texts() {
        return new ArrayList<>(texts);
    }

    /** How many requests were answered with another status than 200. */
    int refused() {
        return refused;
    }

    /** Why it stopped before its count or {@link #close()}: the node could not be reached; else null. */
    Throwable unreachable() {
        return unreachable;
    }

    /** Whether it has stopped publishing. */
    boolean done() {
        return !thread.isAlive();
    }

    /** Waits until it has published its count (or stopped). */
    void join() throws InterruptedException {
        thread.join();
    }

    /** Stops after the request in flight and waits for it. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join();
    }
}
