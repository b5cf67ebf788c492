package io.herald.server.multinode;

import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A thread that publishes {@code prefix0}, {@code prefix1}, ... as text through {@code POST /pub} of
 * one node (of this JVM or another process), one request at a time with a short pause, until {@link #close() closed}, the
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

    private HttpPublisher(Function<String, HttpResponse<String>> post, String channel, String prefix, int count, long pauseNanos) {
        thread = new Thread(() -> {
            for (int i = 0; i < count && !stop; i++) {
                HttpResponse<String> r;
                try {
                    r = post.apply(prefix + i);
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
        return start(text -> node.post("/pub/" + channel, text, "text/plain"), channel, prefix, count, pauseNanos);
    }

    /**
     * Like {@link #start(TestServer, String, String, int, long)} to a node that is not a
     * {@link TestServer} (another process), at {@code base} ({@code http://127.0.0.1:PORT}).
     */
    static HttpPublisher start(URI base, String channel, String prefix, int count, long pauseNanos) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = base.resolve("/pub/" + channel);
        return start(text -> {
            try {
                return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, channel, prefix, count, pauseNanos);
    }

    private static HttpPublisher start(Function<String, HttpResponse<String>> post, String channel, String prefix, int count,
                                       long pauseNanos) {
        HttpPublisher publisher = new HttpPublisher(post, channel, prefix, count, pauseNanos);
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
