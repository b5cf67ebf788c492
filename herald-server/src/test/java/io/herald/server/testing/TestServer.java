package io.herald.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.core.Disconnect;
import io.herald.core.broker.Broker;
import io.herald.core.broker.MemoryBroker;
import io.herald.server.HeraldServer;
import io.herald.server.ListenAddress;
import io.herald.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A real Herald server on a free port for one test, with java.net.http helpers. Use in
 * try-with-resources, closing the test's clients first.
 *
 * <p>{@link #close()} is where a test proves it left nothing behind: it waits (up to
 * {@link #QUIET_TIMEOUT}) until the server has no session, no subscription and no connection, then
 * stops the server, and throws an {@link AssertionError} naming what is still open when that wait
 * failed. A test that stops the server while its clients are still connected, to see their goodbye,
 * says so with {@link #shutdownWithClientsConnected()}. {@link LeakCheckExtension}, registered for
 * every test of this module, fails a test that leaves a {@code TestServer} open or leaks a Netty
 * buffer. Not thread-safe apart from {@link #await} and the read-only accessors.
 */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long {@link #close()} waits for sessions, subscriptions and connections to go. Requests
     * of this class's helpers close their connection ({@link #closing}); connections a test opens
     * with {@link #http()} itself go back to java.net.http's pool, which the build makes close them
     * promptly ({@code jdk.httpclient.keepalive.timeout=0}: at the pool's next purge, within 3 s).
     */
    private volatile String publishApiKey;

    public static final Duration QUIET_TIMEOUT = Duration.ofSeconds(10);
    private static final boolean RESTRICTED_CONNECTION_HEADER_ALLOWED = System.getProperty(
            "jdk.httpclient.allowRestrictedHeaders", "").toLowerCase(java.util.Locale.ROOT).contains("connection");

    /** Every server started and not yet closed, in start order; read by {@link LeakCheckExtension}. */
    private static final Set<TestServer> OPEN = Collections.synchronizedSet(new LinkedHashSet<>());

    private final HeraldServer server;
    private final TestCertificate certificate;
    /** Null once closed: java.net.http (JDK 17) closes HTTP/2 connections only when its client is unreachable. */
    private volatile HttpClient http;
    private final Throwable startedAt = new Throwable("TestServer started here");
    private final AtomicBoolean closed = new AtomicBoolean();

    private TestServer(HeraldServer server) {
        this(server, null, HttpClient.Version.HTTP_1_1);
    }

    private TestServer(HeraldServer server, TestCertificate certificate, HttpClient.Version version) {
        this.server = server;
        this.certificate = certificate;
        HttpClient.Builder client = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5));
        if (certificate != null) {
            client.sslContext(certificate.sslContext());
        }
        this.http = client.build();
        OPEN.add(this);
    }

    /**
     * Starts a server like {@link #start(Consumer)} whose port speaks TLS with {@code certificate}
     * ({@code https://}, {@code wss://}); this class's helpers trust it and speak {@code version}
     * (HTTP/2 through ALPN, or HTTP/1.1).
     */
    public static TestServer startTls(TestCertificate certificate, HttpClient.Version version,
                                      Consumer<ServerConfig.Builder> configure) {
        return new TestServer(HeraldServer.create(cfg -> {
            cfg.port(0).ioThreads(2).adminListen(new ListenAddress("127.0.0.1", 0))
                    .perIpConnections(0).perIpConnectRate(0)
                    .tlsCert(certificate.certFile()).tlsKey(certificate.keyFile());
            configure.accept(cfg);
        }).start(), certificate, version);
    }

    /** The certificate of a server started with {@link #startTls}, or null. */
    public TestCertificate certificate() {
        return certificate;
    }

    /**
     * A new java.net.http client that prefers HTTP/2 and trusts this server's certificate; close it
     * before this server ({@link Http2Client}).
     */
    public Http2Client newHttp2Client() {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5));
        if (certificate != null) {
            b.sslContext(certificate.sslContext());
        }
        return new Http2Client(b.build());
    }

    /**
     * Starts a server on 127.0.0.1, a free port, with an admin listener on another free port
     * ({@link #admin}), and the defaults changed by {@code configure}.
     */
    public static TestServer start(Consumer<ServerConfig.Builder> configure) {
        return start(new MemoryBroker(), configure);
    }

    /** Starts a server like {@link #start(Consumer)}, on {@code broker} instead of an in-memory one. */
    public static TestServer start(Broker broker, Consumer<ServerConfig.Builder> configure) {
        // Tests connect everything from 127.0.0.1, hundreds of clients at once: the per-address
        // limits are off unless a test sets them (the edge tests do).
        ServerConfig.Builder builder = ServerConfig.builder().port(0).ioThreads(2).adminListen(new ListenAddress("127.0.0.1", 0))
                .perIpConnections(0).perIpConnectRate(0);
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

    /** {@code http://127.0.0.1:PORT} + path ({@code https} with TLS). */
    public URI uri(String path) {
        return URI.create(server.scheme() + "://127.0.0.1:" + port() + path);
    }

    /** {@code ws://127.0.0.1:PORT} + path ({@code wss} with TLS). */
    public URI wsUri(String path) {
        return URI.create((server.config().tls() ? "wss" : "ws") + "://127.0.0.1:" + port() + path);
    }

    /** {@code http://127.0.0.1:ADMIN_PORT} + path: the admin listener. */
    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + server.adminPort() + path);
    }

    /** GETs a path of the admin listener (e.g. {@code /metrics}); returns the response whatever its status. */
    public HttpResponse<String> admin(String path) {
        return send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    /** POSTs an empty body to a path of the admin listener (e.g. {@code /admin/disconnect}); any status. */
    public HttpResponse<String> adminPost(String path) {
        return send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** The client of this class's helpers (HTTP/1.1, or what {@link #startTls} was given). */
    public HttpClient http() {
        return http;
    }

    /** POSTs {@code body} as text/plain to /pub/{channel}; asserts 200; returns the reply JSON. */
    public JsonNode publish(String channel, String body) {
        return publish(channel, body, "text/plain; charset=utf-8", null);
    }

    /**
     * Makes {@link #publish} send {@code X-API-Key: key} (for servers with API keys or access control
     * on); null to send none again. Returns this.
     */
    public TestServer publishWithApiKey(String key) {
        this.publishApiKey = key;
        return this;
    }

    /** POSTs to /pub/{channel}?event=...; asserts 200; returns the reply JSON. */
    public JsonNode publish(String channel, String body, String contentType, String event) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/pub/" + channel + (event == null ? "" : "?event=" + event)))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("Content-Type", contentType);
        if (publishApiKey != null) {
            b.header("X-API-Key", publishApiKey);
        }
        HttpResponse<String> r = send(b.build());
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

    /**
     * Sends a request and reads the whole body as a string. The request goes with
     * {@code Connection: close} (see {@link #closing}), so the connection ends with the response.
     */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(http.version() == HttpClient.Version.HTTP_1_1 ? closing(request) : request,
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code request} with {@code Connection: close} added, so that the server closes the connection
     * after answering and java.net.http pools nothing: otherwise each exchange leaves an idle
     * keep-alive connection that its pool closes only when its selector next wakes (up to 3 s
     * later, whatever {@code jdk.httpclient.keepalive.timeout} says), and the leak check of
     * {@link #close()} would wait for it. Needs {@code -Djdk.httpclient.allowRestrictedHeaders=connection}
     * (the build sets it); without it the request is sent unchanged.
     */
    static HttpRequest closing(HttpRequest request) {
        if (!RESTRICTED_CONNECTION_HEADER_ALLOWED || request.headers().firstValue("Connection").isPresent()) {
            return request;
        }
        return HttpRequest.newBuilder(request, (name, value) -> true).header("Connection", "close").build();
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
        await(() -> "timed out waiting for: " + what, timeout, condition);
    }

    /** Waits up to {@code timeout} for {@code condition}; fails with the message {@code failure} gives then. */
    private static void await(Supplier<String> failure, Duration timeout, BooleanSupplier condition) {
        await(failure, timeout, condition, false);
    }

    /** With {@code collect}, also collects garbage every second of waiting (see {@link Http2Client}). */
    private static void await(Supplier<String> failure, Duration timeout, BooleanSupplier condition, boolean collect) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextGc = start + 200_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            if (collect && System.nanoTime() > nextGc) {
                System.gc();
                nextGc = System.nanoTime() + 1_000_000_000L;
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
     * Waits up to {@link #QUIET_TIMEOUT} until the server has no session, no subscription and no
     * open connection, as it must once a test's clients are gone. Closing a client ends its
     * connection at once, so this normally returns within milliseconds.
     *
     * @throws AssertionError naming what is still open (with the hub's channel count and the
     *                        outbound backlog) when the wait fails
     */
    void awaitQuiet() {
        awaitQuiet(QUIET_TIMEOUT);
    }

    /** {@link #awaitQuiet()} with another deadline. */
    void awaitQuiet(Duration timeout) {
        await(() -> "leak: " + timeout.toMillis() + " ms after the test's clients were done, " + state()
                + " (expected no session, subscription or connection: a client the test did not close, or one"
                + " the server did not let go)", timeout, this::quiet, server.config().tls() || server.config().h2c());
    }

    private boolean quiet() {
        return server.node().sessionCount() == 0 && server.node().subscriptionCount() == 0 && server.connectionCount() == 0;
    }

    /** The counts the leak check looks at, for messages. */
    String state() {
        return "sessions=" + server.node().sessionCount() + ", subscriptions=" + server.node().subscriptionCount()
                + ", connections=" + server.connectionCount() + ", channels=" + server.node().hub().channelCount()
                + ", backlog=" + server.node().backlog();
    }

    /** Where this server was started (a stack trace), for messages about a server left open. */
    Throwable startedAt() {
        return startedAt;
    }

    /** Whether {@link #close()} or {@link #shutdownWithClientsConnected()} has run. */
    public boolean isClosed() {
        return closed.get();
    }

    /** The servers started and not closed yet, oldest first (a copy). */
    static List<TestServer> open() {
        synchronized (OPEN) {
            return new ArrayList<>(OPEN);
        }
    }

    /**
     * Stops the server while clients are still connected, as a graceful shutdown does in
     * production: every session is told to reconnect ({@code 1001 shutdown}) and every connection
     * ends. For tests of that goodbye, which read it after this returns. Instead of waiting for the
     * clients to go, the leak check then asserts that the server itself ended every session,
     * subscription and connection. Later calls of {@link #close()} do nothing.
     *
     * @throws AssertionError when a session, subscription or connection outlives the shutdown
     */
    public void shutdownWithClientsConnected() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("already closed");
        }
        try {
            server.close();
        } finally {
            OPEN.remove(this);
        }
        await(() -> "the shutdown left " + state() + " (expected no session, subscription or connection)",
                Duration.ofSeconds(5), this::quiet);
    }

    /**
     * Drains the server ({@link HeraldServer#drain()}) under its clients, as a rolling deploy does,
     * and waits until it stopped. Like {@link #shutdownWithClientsConnected()}, the leak check then
     * asserts that the server itself ended every session, subscription and connection. Later calls
     * of {@link #close()} do nothing.
     *
     * @param timeout how long to wait for the drain to end
     * @throws AssertionError when it does not end in time, or leaves a session, subscription or connection
     */
    public void drainWithClientsConnected(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("already closed");
        }
        try {
            server.drain().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the drain did not end within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the drain failed", e);
        } finally {
            server.close();
            OPEN.remove(this);
        }
        await(() -> "the drain left " + state() + " (expected no session, subscription or connection)",
                Duration.ofSeconds(5), this::quiet);
    }

    /**
     * Checks that the test left nothing open on the server ({@link #awaitQuiet()}), then stops it.
     * The server is stopped whatever the check finds. Idempotent.
     *
     * @throws AssertionError when sessions, subscriptions or connections remain; or when the server
     *                        was stopped with {@code server().close()} while sessions were open (use
     *                        {@link #shutdownWithClientsConnected()} for that)
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        AssertionError leak = null;
        try {
            if (http.version() != HttpClient.Version.HTTP_1_1) {
                http = null; // its HTTP/2 connection closes once the client is collected (see Http2Client)
            }
            Long shutdowns = server.node().disconnectCounts().get(Disconnect.SHUTDOWN);
            if (shutdowns != null && shutdowns > 0) {
                leak = new AssertionError("the server was stopped with server().close() while " + shutdowns
                        + " session(s) were open; a test that means to stop it under its clients calls"
                        + " shutdownWithClientsConnected(), so that the leak check knows");
            } else {
                awaitQuiet();
            }
        } catch (AssertionError e) {
            leak = e;
        } finally {
            server.close();
            OPEN.remove(this);
        }
        if (leak != null) {
            throw leak;
        }
    }
}
