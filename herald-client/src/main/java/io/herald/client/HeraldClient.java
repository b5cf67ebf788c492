package io.herald.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A client of one Herald server (or of a load balancer in front of several): publish, read history,
 * subscribe. Built with {@link #builder(URI)}; close it when done. See docs/java-client.md.
 *
 * <h2>Operations</h2>
 * <ul>
 *   <li>{@link #publish(String, Object)}: {@code POST /pub/{channel}} (docs/protocol.md, "Publishing",
 *       "Idempotent publishing"); the future completes with the stored publication's id, offset and
 *       epoch, or fails with a {@link HeraldClientException} carrying the server's error code.</li>
 *   <li>{@link #history}: {@code GET /history/{channel}} (docs/protocol.md, "History and short polling").</li>
 *   <li>{@link #subscribe}: the WebSocket protocol on {@code /ws} (docs/protocol.md, "WebSocket
 *       protocol"), one socket shared by all of this client's subscriptions, with Server-Sent Events
 *       ({@code /sse/{channel}?format=envelope}, docs/protocol.md "Server-Sent Events") as the
 *       fallback when the upgrade is refused, or as the only transport ({@link Builder#transport}).</li>
 * </ul>
 *
 * <h2>Credentials (docs/protocol.md, "Access control")</h2>
 * An API key ({@link Builder#apiKey}) goes as {@code X-API-Key} on publish and history; a token
 * ({@link Builder#token}) as {@code Authorization: Bearer} on every HTTP request and in the WebSocket
 * {@code connect} command. Subscribing with access control on needs a token: the server refuses API
 * keys on streams. The token supplier is called for every request and every (re)connection, on the
 * caller's thread or the client's timer thread: return a cached token, refreshed before it expires.
 *
 * <h2>Reconnect and resume</h2>
 * A subscription whose connection is lost, or ended by the server with a code that advises a
 * reconnect (docs/protocol.md, "Disconnect codes": 1001 shutdown, 4000 slow, 4001 insufficient state,
 * 4003 forced, 4004 token expired...), reconnects after a delay with exponential backoff and full
 * jitter ({@link Builder#reconnectDelay}) and resumes after the last id it received: nothing lost,
 * nothing twice, or a reset reported when the server could not serve the position (a {@code 4001}
 * resumes and its reset arrives through {@link SubscriptionListener#onReset}). A code advising no
 * reconnect (1008, 1009, 4401, 4403, 4500-4999) ends the subscription with a
 * {@link HeraldClientException} of code {@code disconnected}. A connection silent for
 * {@link Builder#idleTimeout} (the server sends a heartbeat every 15 s by default) counts as lost.
 *
 * <h2>Threading and backpressure</h2>
 * Each subscription's listener runs on one thread at a time, in order, taken from the executor given
 * to {@link Builder#listenerExecutor} or else from the client's own pool of daemon threads (one busy
 * thread per subscription with something to deliver); never on the HTTP client's threads. Between
 * the network and the listener is a queue of at most {@link Builder#queueCapacity} publications per
 * subscription. When it is full the client stops reading that subscription's connection (the
 * WebSocket's {@code request(n)} demand; the SSE body's demand): nothing is dropped and memory does not
 * grow. On the shared WebSocket, one full queue holds every subscription of the client until its
 * listener takes one publication. A server whose outbound queue for the connection fills meanwhile
 * ends the session with {@code 4000} (slow consumer, docs/protocol.md "Backpressure"); the client
 * reconnects and resumes from what it received, so a slow listener costs latency, never a publication
 * (as long as the channel's history still holds it; else a reset is reported).
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class HeraldClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final String apiKey;
    private final Supplier<String> token;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration idleTimeout;
    private final Backoff backoff;
    private final int queueCapacity;
    private final Transport transport;
    private final Executor listenerExecutor;
    private final ExecutorService ownedListenerExecutor;
    private final ScheduledExecutorService timer;
    private final Map<String, ChannelSubscription> subscriptions = new ConcurrentHashMap<>();
    private final WebSocketSession webSocket;
    private volatile boolean webSocketRefused;
    private volatile boolean closed;

    private HeraldClient(Builder b) {
        String s = b.base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.connectTimeout = b.connectTimeout;
        this.http = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
        this.apiKey = b.apiKey;
        this.token = b.token;
        this.requestTimeout = b.requestTimeout;
        this.idleTimeout = b.idleTimeout;
        this.backoff = new Backoff(b.reconnectInitial, b.reconnectMax);
        this.queueCapacity = b.queueCapacity;
        this.transport = b.transport;
        if (b.listenerExecutor != null) {
            this.listenerExecutor = b.listenerExecutor;
            this.ownedListenerExecutor = null;
        } else {
            this.ownedListenerExecutor = Executors.newCachedThreadPool(daemon("herald-client-listener"));
            this.listenerExecutor = ownedListenerExecutor;
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("herald-client-timer"));
        this.webSocket = new WebSocketSession(this);
        if (!idleTimeout.isZero()) {
            long period = Math.max(100, idleTimeout.toMillis() / 4);
            timer.scheduleWithFixedDelay(this::checkIdle, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** A builder for a client of the server at {@code baseUri} ({@code http://host:port} or {@code https://...}, with an optional path prefix). */
    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /**
     * Publishes {@code data} as a {@code message}; see {@link #publish(String, Object, String, String)}.
     */
    public CompletableFuture<PublishResult> publish(String channel, Object data) {
        return publish(channel, data, null, null);
    }

    /**
     * Publishes to {@code channel} (docs/protocol.md, "Publishing"). The payload's kind follows
     * {@code data}'s type: a {@code String} is text ({@code text/plain; charset=utf-8}), a
     * {@code byte[]} binary ({@code application/octet-stream}), anything else (a {@link JsonNode}, a
     * map, a record...) JSON serialized by Jackson ({@code application/json}).
     *
     * @param event          the event type ({@code ^[A-Za-z0-9_.:-]{1,64}$}), or null for {@code message}
     * @param idempotencyKey null, or a key (1 to 128 of {@code A-Z a-z 0-9 _ . : @ = + / -}) so that a
     *                       retry within 5 minutes is answered with the first publication instead of
     *                       publishing twice (docs/protocol.md, "Idempotent publishing"); the client
     *                       itself never retries
     * @return completes when the server stored the publication; fails with {@link HeraldClientException}:
     *         the server's code ({@code invalid_channel}, {@code unauthorized}, {@code forbidden},
     *         {@code payload_too_large}, {@code overloaded}, {@code broker_unavailable}...) and status,
     *         or {@code connection_failed} (status 0) when no answer came within the request timeout
     *         (the outcome is then unknown: retry with the same idempotency key)
     */
    public CompletableFuture<PublishResult> publish(String channel, Object data, String event, String idempotencyKey) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(data, "data");
        byte[] body;
        String type;
        if (data instanceof String text) {
            body = text.getBytes(StandardCharsets.UTF_8);
            type = "text/plain; charset=utf-8";
        } else if (data instanceof byte[] bytes) {
            body = bytes;
            type = "application/octet-stream";
        } else {
            try {
                body = JSON.writeValueAsBytes(data);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("data: not serializable as JSON: " + e.getMessage(), e));
            }
            type = "application/json";
        }
        HttpRequest.Builder r = request("/pub/" + pathSegment(channel) + (event == null ? "" : "?event=" + query(event)))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (idempotencyKey != null) {
            r.header("Idempotency-Key", idempotencyKey);
        }
        return send(r).thenApply(json -> {
            String id = json.path("id").asText();
            int dash = id.lastIndexOf('-');
            return new PublishResult(json.path("channel").asText(channel), id, json.path("offset").asLong(),
                    dash < 0 ? "" : id.substring(0, dash));
        });
    }

    /**
     * Reads a channel's history (docs/protocol.md, "History and short polling").
     *
     * @param since null for the latest {@code limit} publications, else a position: the first
     *              {@code limit} publications after it
     * @param limit 0..1000 (0 tells the current position in {@link HistoryPage#next()})
     * @return fails with {@link HeraldClientException} ({@code invalid_since}, {@code forbidden}...)
     */
    public CompletableFuture<HistoryPage> history(String channel, String since, int limit) {
        Objects.requireNonNull(channel, "channel");
        String q = "?limit=" + limit + (since == null || since.isEmpty() ? "" : "&since=" + query(since));
        return send(request("/history/" + pathSegment(channel) + q).GET()).thenApply(json -> {
            List<Envelope> messages = new ArrayList<>();
            for (JsonNode m : json.path("messages")) {
                messages.add(Envelope.of(m));
            }
            return new HistoryPage(messages, json.path("next").asText(), json.path("reset").asBoolean());
        });
    }

    /**
     * Subscribes to {@code channel}: publications reach {@code listener} (on its delivery thread, see
     * the class comment) until the subscription is closed. Returns at once; the listener first hears
     * {@link ConnectionState#CONNECTING}, then {@code CONNECTED} when the server accepted it.
     *
     * @param since null for the publications stored from now on, or a position ({@code EPOCH-OFFSET},
     *              e.g. a {@link Subscription#lastId()} saved earlier, or {@code EPOCH-0}) to receive
     *              every publication after it first (docs/protocol.md, "Resume rule"); one that cannot
     *              be served is reported through {@link SubscriptionListener#onReset}
     * @throws IllegalStateException when this client is closed or already has an open subscription to
     *                               {@code channel} (one per channel per client: the server allows one
     *                               per channel per WebSocket)
     */
    public Subscription subscribe(String channel, SubscriptionListener listener, String since) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        ChannelSubscription sub = new ChannelSubscription(this, channel, since,
                new Inbox(channel, queueCapacity, listenerExecutor, listener));
        if (subscriptions.putIfAbsent(channel, sub) != null) {
            throw new IllegalStateException("already subscribed to " + channel + " (close that subscription first)");
        }
        sub.state(ConnectionState.CONNECTING);
        if (transport == Transport.SSE || webSocketRefused) {
            startSse(sub, 0);
        } else {
            webSocket.add(sub);
        }
        return sub;
    }

    /**
     * Closes every subscription (each listener hears {@code CLOSED}) and the WebSocket, and stops the
     * client's threads once the listeners have been told. Idempotent; the client serves nothing after.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ChannelSubscription s : subscriptions.values()) {
            s.close();
        }
        webSocket.close();
        timer.shutdownNow();
        if (ownedListenerExecutor != null) {
            ownedListenerExecutor.shutdown();
        }
    }

    // ---- for the transports

    HttpClient http() {
        return http;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    Backoff backoff() {
        return backoff;
    }

    boolean isClosed() {
        return closed;
    }

    /** The current token, or null when none was configured. */
    String token() {
        return token == null ? null : token.get();
    }

    /** {@code ws://} or {@code wss://} + the base path + {@code path}. */
    URI webSocketUri(String path) {
        String s = base.toString();
        return URI.create((s.startsWith("https:") ? "wss:" + s.substring(6) : "ws:" + s.substring(5)) + path);
    }

    /** {@code base + path}. */
    URI uri(String path) {
        return URI.create(base + path);
    }

    /** Runs {@code task} after {@code delayNanos} on the client's timer; nothing once the client is closed. */
    void schedule(Runnable task, long delayNanos) {
        if (closed) {
            return;
        }
        try {
            timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // closed meanwhile
        }
    }

    /** The subscription is over: forget it and end its transport. */
    void detach(ChannelSubscription sub) {
        subscriptions.remove(sub.channel(), sub);
        webSocket.remove(sub);
        SseStream s = sub.sse;
        if (s != null) {
            s.close();
        }
    }

    /** The server refused the WebSocket upgrade: every subscription moves to SSE, and later ones start there. */
    void fallBackToSse(List<ChannelSubscription> subs) {
        webSocketRefused = true;
        for (ChannelSubscription s : subs) {
            startSse(s, 0);
        }
    }

    /** Opens an SSE stream for {@code sub} after {@code delayNanos}. */
    void startSse(ChannelSubscription sub, long delayNanos) {
        Runnable open = () -> {
            if (sub.closed() || closed) {
                return;
            }
            SseStream stream = new SseStream(this, sub);
            sub.sse = stream;
            sub.state(ConnectionState.CONNECTING);
            if (sub.closed()) {
                stream.close();
                return;
            }
            stream.open();
        };
        if (delayNanos <= 0) {
            open.run();
        } else {
            schedule(open, delayNanos);
        }
    }

    /** An HTTP request to {@code path} with the timeout and the credential. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(path)).timeout(requestTimeout);
        if (apiKey != null) {
            r.header("X-API-Key", apiKey);
        } else {
            String t = token();
            if (t != null) {
                r.header("Authorization", "Bearer " + t);
            }
        }
        return r;
    }

    private CompletableFuture<JsonNode> send(HttpRequest.Builder request) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the client is closed"));
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                        throw new CompletionException(new HeraldClientException("connection_failed",
                                "no answer from " + base + ": " + cause, 0, cause));
                    }
                    if (response.statusCode() != 200) {
                        throw new CompletionException(errorOf(response.statusCode(), response.body()));
                    }
                    try {
                        return JSON.readTree(response.body());
                    } catch (IOException e) {
                        throw new CompletionException(new HeraldClientException("protocol_error", "an answer that is not JSON", 200, e));
                    }
                });
    }

    /** The exception of an HTTP answer with {@code status} and {@code body} (docs/protocol.md, "Errors"). */
    static HeraldClientException errorOf(int status, String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (error.hasNonNull("code")) {
                return new HeraldClientException(error.get("code").asText(), error.path("message").asText(""), status, null);
            }
        } catch (IOException | RuntimeException notJson) {
            // an answer from something other than Herald (a proxy): the status alone
        }
        return new HeraldClientException("http_" + status, "HTTP " + status, status, null);
    }

    /** A JSON command or reply as text. */
    static String json(ObjectNode node) {
        return node.toString();
    }

    private void checkIdle() {
        long limit = idleTimeout.toNanos();
        webSocket.checkIdle(limit);
        for (ChannelSubscription s : subscriptions.values()) {
            SseStream stream = s.sse;
            if (stream != null) {
                stream.checkIdle(limit);
            }
        }
    }

    /** Percent-encodes a path segment: the channel-name characters stay, anything else is %XX of its UTF-8. */
    static String pathSegment(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "_.:@-~".indexOf(c) >= 0)) {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private static String query(String s) {
        return pathSegment(s);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The inbox of the subscription to {@code channel} (tests), or null. */
    Inbox inboxOf(String channel) {
        ChannelSubscription s = subscriptions.get(channel);
        return s == null ? null : s.inbox();
    }

    /**
     * Settings of a {@link HeraldClient}. Not thread-safe; build once.
     */
    public static final class Builder {
        private final URI base;
        private String apiKey;
        private Supplier<String> token;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(45);
        private Duration reconnectInitial = Duration.ofMillis(500);
        private Duration reconnectMax = Duration.ofSeconds(30);
        private int queueCapacity = 1024;
        private Transport transport = Transport.WEBSOCKET;
        private Executor listenerExecutor;
        private HttpClient httpClient;

        private Builder(URI base) {
            Objects.requireNonNull(base, "baseUri");
            if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
                throw new IllegalArgumentException("baseUri: " + base + " (expected: http:// or https://)");
            }
            this.base = base;
        }

        /** An API key, sent as {@code X-API-Key} on publish and history (a server's credential). */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /**
         * Where a token (a JWT) comes from, called for every request and connection (see the class
         * comment); sent as {@code Authorization: Bearer} and in the WebSocket {@code connect}.
         */
        public Builder token(Supplier<String> token) {
            this.token = token;
            return this;
        }

        /** How long a TCP (and TLS) connection may take; 5 s by default. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long publish and history wait for the answer; 10 s by default. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /**
         * How long a subscription's connection may stay silent (no frame, no byte: the server's
         * heartbeat is every 15 s) before it counts as lost and is reopened; 45 s by default,
         * {@link Duration#ZERO} never. Not counted while the client itself holds reading back
         * (a full queue).
         */
        public Builder idleTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout: " + timeout + " (expected: >= 0)");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Reconnect delays: attempt n (from 0) waits a random time in [0, min(max, initial * 2^n));
         * the count restarts once a connection is accepted. 500 ms and 30 s by default.
         */
        public Builder reconnectDelay(Duration initial, Duration max) {
            new Backoff(initial, max);
            this.reconnectInitial = initial;
            this.reconnectMax = max;
            return this;
        }

        /** The most publications queued for one subscription's listener (see the class comment); 1024 by default, >= 1. */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("queueCapacity: " + capacity + " (expected: >= 1)");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** The transport of subscriptions; {@link Transport#WEBSOCKET} (with SSE as fallback) by default. */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Where listeners run: each subscription's callbacks run one at a time on it (a task per
         * batch). Default: the client's own pool of daemon threads, stopped by {@link HeraldClient#close()}.
         * A given executor is not shut down by the client.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = executor;
            return this;
        }

        /**
         * The java.net.http client to use (e.g. with an {@code SSLContext} or a proxy); it must speak
         * HTTP/1.1 to reach {@code /ws}. Default: a new HTTP/1.1 client with the connect timeout.
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** The client; its threads start now, its connections when it is first used. */
        public HeraldClient build() {
            return new HeraldClient(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
