package io.herald.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one WebSocket of a {@link HeraldClient}, shared by its subscriptions (docs/protocol.md,
 * "WebSocket protocol"): opened when the first subscription comes, closed when the last one goes;
 * on open it sends {@code connect} (with a token, when the client has one) and a {@code subscribe}
 * with {@code since} = each subscription's last id; it routes envelopes to their subscription's
 * inbox, reads one message at a time ({@code request(1)}) and asks for the next only while the inbox
 * it filled has room (backpressure); it reconnects with the client's backoff after a loss or a
 * goodbye that advises it (docs/protocol.md, "Disconnect codes").
 *
 * <p>Thread-safe: the session's state is guarded by its monitor; each socket's listener callbacks
 * come one at a time (java.net.http's contract); sends are chained (one outstanding send at a time,
 * as java.net.http requires). Nothing blocks under the monitor.
 */
final class WebSocketSession {
    /** The longest message read (the server's are envelopes of at most its payload limit, 64 KiB by default, plus their fields). */
    private static final int MAX_MESSAGE_CHARS = 16 << 20;
    private final HeraldClient client;
    /** The subscriptions on the socket, by channel; guarded by this. */
    private final Map<String, ChannelSubscription> subs = new LinkedHashMap<>();
    /** The current socket (open or opening), or null; guarded by this. */
    private Socket current;
    /** Whether a reconnect is scheduled; guarded by this. */
    private boolean reconnectScheduled;
    /** Consecutive failed connections; guarded by this. */
    private int attempts;

    WebSocketSession(HeraldClient client) {
        this.client = client;
    }

    /** Adds a subscription: subscribes on the open socket, or opens one. */
    void add(ChannelSubscription sub) {
        synchronized (this) {
            subs.put(sub.channel(), sub);
            if (current != null) {
                if (current.ws != null) {
                    current.subscribe(sub);
                }
                return; // an opening socket subscribes it once open
            }
            if (reconnectScheduled) {
                return;
            }
            connect();
        }
    }

    /** Removes a subscription: unsubscribes it, and closes the socket when it was the last. */
    void remove(ChannelSubscription sub) {
        synchronized (this) {
            if (!subs.remove(sub.channel(), sub)) {
                return;
            }
            Socket s = current;
            if (s == null) {
                return;
            }
            if (subs.isEmpty()) {
                current = null;
                s.close();
            } else if (s.ws != null) {
                s.unsubscribe(sub);
            }
        }
    }

    /** Closes the socket, whatever subscriptions remain (the client is closing). */
    void close() {
        synchronized (this) {
            subs.clear();
            Socket s = current;
            current = null;
            if (s != null) {
                s.close();
            }
        }
    }

    void checkIdle(long limitNanos) {
        Socket s;
        synchronized (this) {
            s = current;
        }
        if (s != null && s.ws != null && s.blocked.get() == null && System.nanoTime() - s.lastFrame > limitNanos) {
            s.ws.abort();
            lost(s, true, 1006, "no frame for " + client.idleTimeout().toMillis() + " ms", new IOException("idle connection"));
        }
    }

    // guarded by this
    private void connect() {
        Socket s = new Socket();
        current = s;
        for (ChannelSubscription sub : subs.values()) {
            sub.state(ConnectionState.CONNECTING);
        }
        client.http().newWebSocketBuilder().connectTimeout(client.connectTimeout())
                .buildAsync(client.webSocketUri("/ws"), s)
                .whenComplete((ws, failure) -> {
                    if (failure != null) {
                        s.failed(failure);
                    }
                });
    }

    /**
     * The socket {@code s} is gone: reconnect after a delay, or, when {@code reconnect} is false (the
     * goodbye's advice, or the close code's: docs/protocol.md "Disconnect codes"), end its subscriptions.
     */
    private void lost(Socket s, boolean reconnect, int code, String reason, Throwable failure) {
        List<ChannelSubscription> ended = new ArrayList<>();
        List<ChannelSubscription> resumed = new ArrayList<>();
        synchronized (this) {
            if (current != s) {
                return;
            }
            current = null;
            if (!reconnect) {
                ended.addAll(subs.values());
                subs.clear();
            } else if (!subs.isEmpty() && !client.isClosed()) {
                resumed.addAll(subs.values());
                reconnectScheduled = true;
                long delay = client.backoff().delayNanos(attempts++);
                client.schedule(this::reconnect, delay);
            }
        }
        for (ChannelSubscription sub : ended) {
            sub.fail(Disconnects.ended(code, reason));
        }
        for (ChannelSubscription sub : resumed) {
            if (failure != null) {
                sub.error(failure);
            }
            sub.state(ConnectionState.DISCONNECTED);
        }
    }

    private void reconnect() {
        synchronized (this) {
            reconnectScheduled = false;
            if (current == null && !subs.isEmpty() && !client.isClosed()) {
                connect();
            }
        }
    }

    /** One WebSocket connection and its listener. */
    private final class Socket implements WebSocket.Listener {
        /** Set in onOpen; read by other threads. */
        volatile WebSocket ws;
        volatile long lastFrame = System.nanoTime();
        /** The subscription whose full inbox holds reading, or null; cleared by the one resume that asks for more. */
        final java.util.concurrent.atomic.AtomicReference<ChannelSubscription> blocked = new java.util.concurrent.atomic.AtomicReference<>();
        private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);
        private long nextId;
        /** Commands awaiting their reply, by id; guarded by the session. */
        private final Map<Long, ChannelSubscription> pendingSubscribes = new HashMap<>();
        /** Subscriptions confirmed by a reply on this socket; guarded by the session. */
        private final Map<String, ChannelSubscription> confirmed = new HashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private int goodbyeCode;
        private String goodbyeReason;
        private boolean goodbyeReconnect = true;

        @Override
        public void onOpen(WebSocket webSocket) {
            lastFrame = System.nanoTime();
            synchronized (WebSocketSession.this) {
                if (current != this) {
                    webSocket.abort();
                    return;
                }
                ws = webSocket;
                String token = client.token();
                if (token != null) {
                    ObjectNode connect = HeraldClient.JSON.createObjectNode().put("id", nextId++).put("op", "connect").put("token", token);
                    send(connect);
                }
                for (ChannelSubscription sub : subs.values()) {
                    subscribe(sub);
                }
            }
            webSocket.request(1);
        }

        // guarded by the session
        void subscribe(ChannelSubscription sub) {
            long id = nextId++;
            ObjectNode cmd = HeraldClient.JSON.createObjectNode().put("id", id).put("op", "subscribe").put("channel", sub.channel());
            String since = sub.lastId();
            if (since != null) {
                cmd.put("since", since);
            }
            pendingSubscribes.put(id, sub);
            send(cmd);
        }

        // guarded by the session
        void unsubscribe(ChannelSubscription sub) {
            boolean subscribed = confirmed.remove(sub.channel(), sub) | pendingSubscribes.values().remove(sub);
            if (subscribed) {
                send(HeraldClient.JSON.createObjectNode().put("id", nextId++).put("op", "unsubscribe").put("channel", sub.channel()));
            }
            resume(sub); // when its full inbox held reading: the others read on
        }

        /** Ends the socket: a normal close (the last subscription went). */
        void close() {
            WebSocket w = ws;
            if (w == null) {
                return; // onOpen sees it is not current and aborts
            }
            synchronized (this) {
                sends = sends.handle((r, e) -> null).thenCompose(v -> w.sendClose(WebSocket.NORMAL_CLOSURE, "closed"))
                        .whenComplete((r, e) -> w.abort());
            }
        }

        // any thread; chained so that one send at a time is outstanding
        private void send(ObjectNode command) {
            WebSocket w = ws;
            String text = HeraldClient.json(command);
            synchronized (this) {
                sends = sends.thenCompose(v -> w.sendText(text, true)).whenComplete((r, e) -> {
                    if (e != null) {
                        w.abort();
                        lost(this, true, 1006, "send failed", e);
                    }
                });
            }
        }

        void failed(Throwable failure) {
            Throwable cause = failure;
            while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof WebSocketHandshakeException refused) {
                List<ChannelSubscription> moved;
                synchronized (WebSocketSession.this) {
                    if (current != this) {
                        return;
                    }
                    current = null;
                    moved = new ArrayList<>(subs.values());
                    subs.clear();
                }
                int status = refused.getResponse() == null ? 0 : refused.getResponse().statusCode();
                for (ChannelSubscription sub : moved) {
                    sub.error(new HeraldClientException("websocket_refused", "the WebSocket upgrade was answered "
                            + status + "; falling back to Server-Sent Events", status, cause));
                }
                client.fallBackToSse(moved);
                return;
            }
            lost(this, true, 1006, "connection failed", new HeraldClientException("connection_failed", String.valueOf(cause), 0, cause));
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastFrame = System.nanoTime();
            if (partial.length() + data.length() > MAX_MESSAGE_CHARS) {
                webSocket.abort();
                lost(this, true, 1009, "message too big", new HeraldClientException("protocol_error",
                        "a message over " + MAX_MESSAGE_CHARS + " characters", 0, null));
                return null;
            }
            partial.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            String text = partial.toString();
            partial.setLength(0);
            JsonNode message;
            try {
                message = HeraldClient.JSON.readTree(text);
            } catch (IOException e) {
                webSocket.abort();
                lost(this, true, 1006, "unreadable message", new HeraldClientException("protocol_error", "a message that is not JSON", 0, e));
                return null;
            }
            if (message.has("ok") || message.has("error")) {
                reply(message);
            } else if (message.has("disconnect")) {
                JsonNode d = message.get("disconnect");
                goodbyeCode = d.path("code").asInt();
                goodbyeReason = d.path("reason").asText();
                goodbyeReconnect = d.path("reconnect").asBoolean(true);
            } else if (message.has("channel") && message.has("id")) {
                ChannelSubscription sub;
                synchronized (WebSocketSession.this) {
                    sub = confirmed.get(message.get("channel").asText());
                }
                if (sub != null) {
                    Envelope envelope;
                    try {
                        envelope = Envelope.of(message);
                    } catch (HeraldClientException e) {
                        webSocket.abort();
                        lost(this, true, 1006, "unreadable envelope", e);
                        return null;
                    }
                    blocked.set(sub); // before the offer: its resume may run at once on the delivery thread
                    if (!sub.deliver(envelope, () -> resume(sub))) {
                        return null;
                    }
                    blocked.set(null);
                }
            } // join and leave events: not for this client
            webSocket.request(1);
            return null;
        }

        /** Asks for the next message when {@code sub}'s full inbox was what held reading; once per block. */
        private void resume(ChannelSubscription sub) {
            WebSocket w = ws;
            if (w != null && blocked.compareAndSet(sub, null)) {
                lastFrame = System.nanoTime();
                w.request(1);
            }
        }

        private void reply(JsonNode message) {
            ChannelSubscription sub;
            synchronized (WebSocketSession.this) {
                sub = pendingSubscribes.remove(message.path("id").asLong(-1));
                if (sub == null || current != this || subs.get(sub.channel()) != sub) {
                    return; // connect, unsubscribe, or a subscribe that was closed meanwhile
                }
                if (message.has("ok")) {
                    confirmed.put(sub.channel(), sub);
                    attempts = 0;
                }
            }
            if (message.has("ok")) {
                String position = message.path("position").asText(null);
                if (message.path("reset").asBoolean()) {
                    sub.reset(position);
                } else {
                    sub.started(position);
                }
                sub.state(ConnectionState.CONNECTED);
                return;
            }
            String code = message.path("error").path("code").asText("internal");
            HeraldClientException e = new HeraldClientException(code, message.path("error").path("message").asText(""),
                    HeraldClientException.statusOf(code), null);
            if (e.retryable()) {
                sub.error(e);
                client.schedule(() -> {
                    synchronized (WebSocketSession.this) {
                        if (current == this && ws != null && subs.get(sub.channel()) == sub && !confirmed.containsValue(sub)) {
                            subscribe(sub);
                        }
                    }
                }, client.backoff().delayNanos(Math.min(10, attempts)));
            } else {
                sub.fail(e); // detaches it: the socket closes when it was the last
            }
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
            lastFrame = System.nanoTime();
            webSocket.request(1);
            return null; // java.net.http answers the ping with a pong itself
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
            lastFrame = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
            webSocket.request(1); // the protocol sends none
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            int code = goodbyeCode != 0 ? goodbyeCode : statusCode;
            boolean reconnect = goodbyeCode != 0 ? goodbyeReconnect : Disconnects.reconnects(statusCode);
            lost(this, reconnect, code, goodbyeReason != null ? goodbyeReason : reason, null);
            webSocket.abort();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost(this, true, 1006, String.valueOf(error), new HeraldClientException("connection_failed", "the WebSocket failed: " + error, 0, error));
        }
    }
}
