package io.herald.client;

/**
 * The {@link Subscription} of one channel: its position ({@link #lastId()}), its state and its
 * {@link Inbox}; the transports ({@link WebSocketSession}, {@link SseStream}) feed it. Thread-safe:
 * the fields the transports and the caller share are volatile, the rest belongs to the inbox.
 */
final class ChannelSubscription implements Subscription {
    private final HeraldClient client;
    private final String channel;
    private final Inbox inbox;
    private volatile String lastId;
    private volatile ConnectionState state = ConnectionState.CONNECTING;
    /** The SSE stream carrying this subscription, or null (on the shared WebSocket, or none yet). */
    volatile SseStream sse;
    /** Consecutive failed attempts, for the backoff of the SSE fallback (the WebSocket keeps its own). */
    int sseAttempts;

    ChannelSubscription(HeraldClient client, String channel, String since, Inbox inbox) {
        this.client = client;
        this.channel = channel;
        this.lastId = since == null || since.isEmpty() ? null : since;
        this.inbox = inbox;
    }

    @Override
    public String channel() {
        return channel;
    }

    @Override
    public String lastId() {
        return lastId;
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public void close() {
        if (end()) {
            inbox.close();
        }
    }

    /** Whether close or a fatal failure already ended it. */
    boolean closed() {
        return state == ConnectionState.CLOSED;
    }

    /** Marks it closed and detaches it from its transport; false when it already was. */
    private boolean end() {
        synchronized (this) {
            if (state == ConnectionState.CLOSED) {
                return false;
            }
            state = ConnectionState.CLOSED;
        }
        client.detach(this);
        return true;
    }

    /** A publication from the network; see {@link Inbox#offer}. */
    boolean deliver(Envelope envelope, Runnable resume) {
        if (closed()) {
            return true;
        }
        lastId = envelope.id();
        return inbox.offer(envelope, resume);
    }

    /** The reset signal: continue from {@code position}. */
    void reset(String position) {
        if (closed()) {
            return;
        }
        lastId = position;
        inbox.reset(position);
    }

    /** The position the server says the subscription starts at when nothing was missed. */
    void started(String position) {
        if (position != null && !position.isEmpty()) {
            lastId = position;
        }
    }

    /** A state change of its connection (ignored once closed). */
    void state(ConnectionState next) {
        synchronized (this) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            state = next;
        }
        inbox.state(next);
    }

    /** A failure that a reconnect follows. */
    void error(Throwable error) {
        if (!closed()) {
            inbox.error(error);
        }
    }

    /** A failure that ends the subscription: reported, then {@code CLOSED}. */
    void fail(HeraldClientException error) {
        if (closed()) {
            return;
        }
        inbox.error(error);
        if (end()) {
            inbox.state(ConnectionState.CLOSED);
        }
    }

    /** The inbox (tests read its bound). */
    Inbox inbox() {
        return inbox;
    }
}
