package io.herald.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.server.HeraldServer;
import io.herald.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A real Herald server on a free port for one test, with java.net.http helpers. Use in
 * try-with-resources; {@link #close()} also asserts nothing leaked (connections and sessions
 * return to zero once clients are gone, when {@link #assertNoLeaks()} is called).
 */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final HeraldServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(HeraldServer server) {
        this.server = server;
    }

    /** Starts a server on 127.0.0.1, a free port, with the defaults changed by {@code configure}. */
    public static TestServer start(Consumer<ServerConfig.Builder> configure) {
        return new TestServer(HeraldServer.create(cfg -> {
            cfg.port(0).ioThreads(2);
            configure.accept(cfg);
        }).start());
    }

    /** Starts a server like {@link #start(Consumer)}, on {@code broker} instead of an in-memory one. */
    public static TestServer start(io.herald.core.broker.Broker broker, Consumer<ServerConfig.Builder> configure) {
        ServerConfig.Builder builder = ServerConfig.builder().port(0).ioThreads(2);
        configure.accept(builder);
        return new TestServer(HeraldServer.create(builder.build(), broker).start());
    }

    /** Starts a server with the defaults. */
    public static TestServer start() {
        return start(cfg -> { });
    }

    public HeraldServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:PORT} + path. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** {@code ws://127.0.0.1:PORT} + path. */
    public URI wsUri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path);
    }

    public HttpClient http() {
        return http;
    }

    /** POSTs {@code body} as text/plain to /pub/{channel}; asserts 200; returns the reply JSON. */
    public JsonNode publish(String channel, String body) {
        return publish(channel, body, "text/plain; charset=utf-8", null);
    }

    /** POSTs to /pub/{channel}?event=...; asserts 200; returns the reply JSON. */
    public JsonNode publish(String channel, String body, String contentType, String event) {
        HttpResponse<String> r = post("/pub/" + channel + (event == null ? "" : "?event=" + event), body, contentType);
        assertThat(r.statusCode()).as("publish reply %s", r.body()).isEqualTo(200);
        return json(r.body());
    }

    /** POSTs a body; returns the response whatever its status. */
    public HttpResponse<String> post(String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.build());
    }

    /** GETs a path; returns the response whatever its status. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(150)).GET().build());
    }

    /** Sends a request and reads the whole body as a string. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens a streaming GET; the caller reads and closes the body. */
    public HttpResponse<java.io.InputStream> stream(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Parses JSON. */
    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Waits up to {@code timeout} for {@code condition}; fails with {@code what} otherwise. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Waits until no session and no subscription remain on the server. */
    public void awaitNoSessions() {
        await("sessions and subscriptions back to zero (sessions=" + server.node().sessionCount()
                        + ", subscriptions=" + server.node().subscriptionCount() + ")",
                Duration.ofSeconds(10),
                () -> server.node().sessionCount() == 0 && server.node().subscriptionCount() == 0);
    }

    /**
     * Asserts nothing leaked once clients are gone: sessions, subscriptions and connections return
     * to zero. Call after closing the clients. java.net.http keeps idle keep-alive connections in
     * its pool; the build sets {@code jdk.httpclient.keepalive.timeout=1} so they close within
     * seconds.
     */
    public void assertNoLeaks() {
        awaitNoSessions();
        await("connections back to zero (open=" + server.connectionCount() + ")", Duration.ofSeconds(10),
                () -> server.connectionCount() == 0);
    }

    @Override
    public void close() {
        server.close();
    }
}
