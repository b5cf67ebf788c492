package io.herald.core;

import io.herald.core.auth.Action;
import io.herald.core.auth.Authorizer;
import io.herald.core.auth.Principal;
import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.HistoryResult;
import io.herald.core.hub.Backlog;
import io.herald.core.hub.Hub;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.herald.core.hub.TransportStats;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceStats;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * One Herald node: the entry point of the core. It validates and publishes through its
 * {@link Broker}, reads history, and keeps the {@link Hub} of sessions and subscriptions.
 *
 * <p>Transports create a {@link Session} per client with {@link #newSession} and subscribe it with
 * {@link #subscribe}. All methods are thread-safe and non-blocking. Errors travel one way: the
 * asynchronous operations ({@link #publish}, {@link #publishFromClient}, {@link #history},
 * {@link #subscribe}) never throw; their futures fail with a {@link HeraldException} carrying the
 * contract's error code (a broker failure that is not one becomes {@code broker_unavailable}).
 * The synchronous {@link #newSession} throws it.
 */
public final class Node implements AutoCloseable {
    private final NodeConfig config;
    private final Broker broker;
    private final Hub hub;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by {@link #refuseNewSessions()}: a draining server takes no new session. */
    private volatile boolean refusingSessions;
    private final TransportStats transports = new TransportStats();
    private final LongAdder published = new LongAdder();
    private final LongAdder clientClosed = new LongAdder();
    private final EnumMap<Disconnect, LongAdder> disconnects = new EnumMap<>(Disconnect.class);
    /** Pushes queued for subscribers, across all sessions. */
    private final Backlog backlog = new Backlog();
    private final long maxBacklog;
    private final Authorizer authorizer;

    /**
     * Creates a node with access control off ({@link Authorizer#OPEN}) and starts its broker.
     *
     * @param config the configuration
     * @param broker the broker, not yet started; the node owns and closes it
     */
    public Node(NodeConfig config, Broker broker) {
        this(config, broker, Authorizer.OPEN);
    }

    /**
     * Creates a node and starts its broker.
     *
     * @param config     the configuration
     * @param broker     the broker, not yet started; the node owns and closes it
     * @param authorizer {@link Authorizer#ENFORCING} to check every subscription, client publication
     *                   and history read against the principals and namespace levels
     */
    public Node(NodeConfig config, Broker broker, Authorizer authorizer) {
        this.config = config;
        this.broker = broker;
        this.authorizer = authorizer;
        this.hub = new Hub(broker, backlog, config.resetSpread());
        for (Disconnect d : Disconnect.values()) {
            disconnects.put(d, new LongAdder());
        }
        this.maxBacklog = config.effectiveMaxBacklog();
        broker.start(hub);
        broker.presence().start(hub);
    }

    /** The configuration. */
    public NodeConfig config() {
        return config;
    }

    /** The hub (for metrics and tests). */
    public Hub hub() {
        return hub;
    }

    /** The access decision this node applies. */
    public Authorizer authorizer() {
        return authorizer;
    }

    /**
     * Checks that {@code who} may do {@code action} on {@code channel} ({@link Authorizer#check}),
     * synchronously: what a transport calls before it answers, so a refusal is an HTTP status rather
     * than a goodbye. The asynchronous operations check again.
     *
     * @param session the asking client's session, for {@link io.herald.core.auth.AccessLevel#SUBSCRIBER}; or null
     * @throws HeraldException {@code invalid_channel}, {@code unauthorized} or {@code forbidden}
     */
    public void authorize(Principal who, Action action, String channel, Session session) {
        Names.checkChannel(channel);
        authorizer.check(who, action, channel, optionsOf(channel), session != null && session.subscription(channel) != null);
    }

    /** The namespace options that apply to {@code channel}. */
    public NamespaceOptions optionsOf(String channel) {
        return config.optionsOf(channel);
    }

    /**
     * Publishes from the server side ({@code POST /pub}, the embedding API): always allowed.
     *
     * @param channel the channel name
     * @param event   the event type, or null for {@code message}
     * @param data    the payload
     * @return the stored publication; fails with {@link HeraldException} {@code invalid_channel},
     *         {@code invalid_event}, {@code payload_too_large}, {@code shutting_down},
     *         {@code overloaded} while the outbound backlog is over its bound, or
     *         {@code broker_unavailable} when nothing was stored
     */
    public CompletableFuture<Publication> publish(String channel, String event, Payload data) {
        return publish(channel, event, data, null);
    }

    /**
     * As {@link #publish(String, String, Payload)}, once per idempotency key
     * ({@link Broker#publish(String, String, Payload, NamespaceOptions, String)}): a retry with the
     * key of a publication stored within the window answers that publication and stores nothing.
     *
     * @param idempotencyKey null for none
     * @return as {@link #publish(String, String, Payload)}; also fails with
     *         {@code invalid_parameter} for a malformed key
     */
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, String idempotencyKey) {
        return publish(channel, event, data, idempotencyKey, null);
    }

    /**
     * As {@link #publish(String, String, Payload, String)}, with a conflation key stored with the
     * publication ({@link Publication#key()}; docs/protocol.md, "Conflation").
     *
     * @param key null for none
     * @return as {@link #publish(String, String, Payload, String)}; also fails with
     *         {@code invalid_parameter} for a malformed key
     */
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, String idempotencyKey,
                                                  String key) {
        return attempt(() -> {
            Names.checkChannel(channel);
            String type = Names.checkEvent(event);
            Names.checkIdempotencyKey(idempotencyKey);
            Names.checkPublicationKey(key);
            if (data.size() > config.maxPayloadBytes()) {
                throw new HeraldException(ErrorCode.PAYLOAD_TOO_LARGE, "payload of " + data.size()
                        + " bytes (expected: at most " + config.maxPayloadBytes() + ")");
            }
            if (closed.get()) {
                throw new HeraldException(ErrorCode.SHUTTING_DOWN, "the server is shutting down");
            }
            long queued = backlog.pushes();
            if (queued > maxBacklog) {
                throw new HeraldException(ErrorCode.OVERLOADED, "the server is past its delivery capacity ("
                        + queued + " pushes queued for subscribers, bound " + maxBacklog + "); retry later");
            }
            return fromBroker(broker.publish(channel, type, data, optionsOf(channel), idempotencyKey, key), "publication not stored")
                    .whenComplete((p, e) -> {
                        if (e == null) {
                            published.increment();
                        }
                    });
        });
    }

    /**
     * Publishes on behalf of a client (a WebSocket frame or publish command): like
     * {@link #publish}, but only where the channel's namespace allows client publishing and the
     * session's principal may publish ({@link Authorizer}).
     *
     * @param session the publishing client's session
     * @return as {@link #publish}; also fails with {@code publish_forbidden} (the namespace takes no
     *         client publications), {@code unauthorized} or {@code forbidden}
     */
    public CompletableFuture<Publication> publishFromClient(Session session, String channel, String event, Payload data) {
        return publishFromClient(session, channel, event, data, null);
    }

    /** As {@link #publishFromClient(Session, String, String, Payload)}, once per idempotency key (null for none). */
    public CompletableFuture<Publication> publishFromClient(Session session, String channel, String event, Payload data,
                                                            String idempotencyKey) {
        return publishFromClient(session, channel, event, data, idempotencyKey, null);
    }

    /** As {@link #publishFromClient(Session, String, String, Payload, String)}, with a conflation key (null for none). */
    public CompletableFuture<Publication> publishFromClient(Session session, String channel, String event, Payload data,
                                                            String idempotencyKey, String key) {
        return attempt(() -> {
            if (Names.isChannel(channel) && !optionsOf(channel).allowClientPublish()) {
                throw new HeraldException(ErrorCode.PUBLISH_FORBIDDEN, "namespace " + Names.quote(Names.namespaceOf(channel))
                        + " of channel " + Names.quote(channel) + " does not allow clients to publish");
            }
            if (authorizer.enforcing()) {
                authorize(session.principal(), Action.PUBLISH, channel, session);
            }
            return publish(channel, event, data, idempotencyKey, key);
        });
    }

    /**
     * Publishes as {@code who}: {@link #publish} after {@link #authorize} for {@link Action#PUBLISH}
     * (the {@code POST /pub} of a client's bearer token or a server's API key).
     *
     * @return as {@link #publish}; also fails with {@code unauthorized} or {@code forbidden}
     */
    public CompletableFuture<Publication> publishAs(Principal who, String channel, String event, Payload data) {
        return publishAs(who, channel, event, data, null);
    }

    /** As {@link #publishAs(Principal, String, String, Payload)}, once per idempotency key (null for none). */
    public CompletableFuture<Publication> publishAs(Principal who, String channel, String event, Payload data,
                                                    String idempotencyKey) {
        return publishAs(who, channel, event, data, idempotencyKey, null);
    }

    /** As {@link #publishAs(Principal, String, String, Payload, String)}, with a conflation key (null for none). */
    public CompletableFuture<Publication> publishAs(Principal who, String channel, String event, Payload data,
                                                    String idempotencyKey, String key) {
        return attempt(() -> {
            if (authorizer.enforcing()) {
                authorize(who, Action.PUBLISH, channel, null);
            }
            return publish(channel, event, data, idempotencyKey, key);
        });
    }

    /**
     * Reads history as the polling and history endpoints serve it.
     *
     * @param channel the channel name
     * @param since   null for the latest {@code limit} publications, else those after it
     * @param limit   at most this many, {@code >= 0}
     * @return the page, {@code reset} when {@code since} cannot be served; fails with
     *         {@link HeraldException} {@code invalid_channel}, {@code invalid_parameter} or
     *         {@code broker_unavailable}
     */
    public CompletableFuture<HistoryPage> history(String channel, StreamPosition since, int limit) {
        return history(null, null, channel, since, limit);
    }

    /**
     * Reads history for {@code who}, checked for {@code as}: {@link Action#HISTORY} for the history
     * endpoint and command, {@link Action#SUBSCRIBE} for short polling (a way of subscribing).
     *
     * @param who the client, or null for the server side (not checked)
     * @param as  what the read counts as, when {@code who} is not null
     * @return as {@link #history(String, StreamPosition, int)}; also fails with {@code unauthorized}
     *         or {@code forbidden}
     */
    public CompletableFuture<HistoryPage> history(Principal who, Action as, String channel, StreamPosition since, int limit) {
        return attempt(() -> {
            if (who != null && authorizer.enforcing()) {
                authorize(who, as, channel, null);
            }
            Names.checkChannel(channel);
            if (limit < 0) {
                throw new HeraldException(ErrorCode.INVALID_PARAMETER, "limit: " + limit + " (expected: >= 0)");
            }
            NamespaceOptions options = optionsOf(channel);
            return fromBroker(broker.history(channel, since, limit, options), "history unavailable")
                    .thenCompose(h -> {
                        // A position of a replaced stream: when the new one is whole, the page starts at its start.
                        StreamPosition restart = io.herald.core.hub.Recovery.newStreamStart(since, h);
                        return restart == null ? CompletableFuture.completedFuture(page(since, h))
                                : fromBroker(broker.history(channel, restart, limit, options), "history unavailable")
                                        .thenApply(whole -> resetPage(restart, whole));
                    });
        });
    }

    /**
     * Who is subscribed to {@code channel}, across the nodes sharing the broker (docs/protocol.md,
     * "Presence"): checked for {@code who} as reading the channel's history.
     *
     * @param who the client, or null for the server side (not checked)
     * @return the entries ordered by client id; fails with {@link HeraldException}
     *         {@code invalid_channel}, {@code presence_disabled} (the namespace keeps no presence),
     *         {@code unauthorized}, {@code forbidden} or {@code broker_unavailable}
     */
    public CompletableFuture<java.util.List<ClientInfo>> presence(Principal who, String channel) {
        return attempt(() -> {
            checkPresence(who, channel);
            return fromBroker(broker.presence().clients(channel), "presence unavailable");
        });
    }

    /**
     * The counts of {@code channel}'s presence: clients and distinct users; checked as {@link #presence}.
     *
     * @return as {@link #presence}
     */
    public CompletableFuture<PresenceStats> presenceStats(Principal who, String channel) {
        return attempt(() -> {
            checkPresence(who, channel);
            return fromBroker(broker.presence().stats(channel), "presence unavailable");
        });
    }

    private void checkPresence(Principal who, String channel) {
        if (who != null && authorizer.enforcing()) {
            authorize(who, Action.HISTORY, channel, null);
        }
        Names.checkChannel(channel);
        if (!optionsOf(channel).presence()) {
            throw new HeraldException(ErrorCode.PRESENCE_DISABLED, "namespace " + Names.quote(Names.namespaceOf(channel))
                    + " of channel " + Names.quote(channel) + " keeps no presence (expected: a namespace with presence: true)");
        }
    }

    /** The presence client id of {@code session} ({@code NODE-SESSION}), as {@link #presence} lists it. */
    public String clientId(Session session) {
        return hub.clientId(session);
    }

    /**
     * Runs the synchronous part of an operation: what it throws fails the returned future instead
     * of reaching the caller, so that errors travel one way.
     */
    private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e instanceof HeraldException ? e : HeraldException.of(e));
        }
    }

    /**
     * {@code future}, failing with {@code broker_unavailable} when the broker failed it with anything
     * but a {@link HeraldException} (the broker contract asks for one; an I/O error may slip through).
     */
    private static <T> CompletableFuture<T> fromBroker(CompletableFuture<T> future, String what) {
        if (future.isDone() && !future.isCompletedExceptionally()) {
            return future; // the in-memory broker answers at once: no stage to add
        }
        return future.handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            HeraldException e = HeraldException.of(error);
            return CompletableFuture.<T>failedFuture(e.code() == ErrorCode.INTERNAL
                    ? new HeraldException(ErrorCode.BROKER_UNAVAILABLE, what + ": broker unavailable", e.getCause())
                    : e);
        }).thenCompose(f -> f);
    }

    /** A reset page that starts at a new stream's start, or at its top when it is no longer whole. */
    private static HistoryPage resetPage(StreamPosition start, HistoryResult h) {
        HistoryPage page = page(start, h);
        return page.reset() ? page : new HistoryPage(page.publications(), page.next(), true);
    }

    private static HistoryPage page(StreamPosition since, HistoryResult h) {
        if (since != null && !h.recoverable(since)) {
            return new HistoryPage(java.util.List.of(), h.top(), true);
        }
        var pubs = h.publications();
        StreamPosition next = !pubs.isEmpty() ? pubs.get(pubs.size() - 1).position() : since != null ? since : h.top();
        return new HistoryPage(pubs, next, false);
    }

    /**
     * Creates a session for a client connected through {@code transport}.
     *
     * @throws HeraldException {@code shutting_down} once {@link #close} or {@link #refuseNewSessions}
     *                         has begun
     */
    public Session newSession(Transport transport) {
        if (closed.get() || refusingSessions) {
            throw new HeraldException(ErrorCode.SHUTTING_DOWN, "the server is shutting down");
        }
        // Every push of a node's session is of a subscription, sent with its namespace's write delay.
        Session session = new Session(transport, config.queueMaxBytes(), 0, backlog,
                transports.of(transport.name()), this::sessionClosed);
        sessions.add(session);
        return session;
    }

    private void sessionClosed(Session session) {
        hub.removeAll(session);
        // Counted before the session leaves the live set: whoever sees the session gone sees why.
        Disconnect reason = session.disconnectReason();
        (reason == null ? clientClosed : disconnects.get(reason)).increment();
        sessions.remove(session);
    }

    /**
     * Refuses new sessions from now on ({@link #newSession} fails with {@code shutting_down}) while
     * everything else goes on: the live sessions, publishing, history. The step of a drain before
     * its sessions are told to reconnect elsewhere (docs/protocol.md, "Drain"). Idempotent.
     */
    public void refuseNewSessions() {
        refusingSessions = true;
    }

    /**
     * Asks the broker whether it can serve now ({@link Broker#health()}), waiting at most
     * {@code timeout}. Never fails: a broker that throws, fails its future or does not answer in
     * time is reported down, with why.
     */
    public CompletableFuture<BrokerHealth> brokerHealth(Duration timeout) {
        CompletableFuture<BrokerHealth> asked;
        try {
            asked = broker.health();
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        return asked.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((health, error) -> {
            if (error == null) {
                return health != null ? health : BrokerHealth.down("the broker gave no answer");
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            return BrokerHealth.down(cause instanceof TimeoutException
                    ? "the broker did not answer within " + timeout.toMillis() + " ms"
                    : String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()));
        });
    }

    /** The counts by transport: sessions, subscriptions, deliveries (for metrics). */
    public TransportStats transportStats() {
        return transports;
    }

    /** Publications stored through this node since it started. */
    public long publishedCount() {
        return published.sum();
    }

    /**
     * Sessions ended since the node started, by the server's reason; sessions the client ended are
     * counted under {@code null}. A snapshot.
     */
    public Map<Disconnect, Long> disconnectCounts() {
        Map<Disconnect, Long> counts = new java.util.HashMap<>();
        disconnects.forEach((d, n) -> counts.put(d, n.sum()));
        counts.put(null, clientClosed.sum());
        return counts;
    }

    /**
     * Subscribes a session to a channel from a position; see {@link Hub#subscribe}. The subscription
     * is registered for live publications before this returns (a transport may answer its client
     * then: nothing published later is missed).
     *
     * @return the notice once recovery is done (null when the session ended meanwhile); fails with
     *         {@link HeraldException} {@code invalid_channel}, {@code already_subscribed}, {@code unauthorized}, {@code forbidden} or
     *         {@code broker_unavailable}
     */
    public CompletableFuture<Subscribed> subscribe(Session session, String channel, StreamPosition since) {
        return attempt(() -> {
            Names.checkChannel(channel);
            if (authorizer.enforcing()) {
                authorize(session.principal(), Action.SUBSCRIBE, channel, null);
            }
            return fromBroker(hub.subscribe(session, channel, since, optionsOf(channel)), "subscription not started");
        });
    }

    /** Ends a session's subscription; false when it had none. */
    public boolean unsubscribe(Session session, String channel) {
        return hub.unsubscribe(session, channel);
    }

    /** Pushes queued for subscribers now, across all sessions (what {@link NodeConfig#maxBacklog()} bounds). */
    public long backlog() {
        return backlog.pushes();
    }

    /** Estimated bytes of the pushes queued for subscribers now, across all sessions. */
    public long backlogBytes() {
        return backlog.bytes();
    }

    /** The number of live sessions. */
    public int sessionCount() {
        return sessions.size();
    }

    /** The number of subscriptions across sessions. */
    public int subscriptionCount() {
        return hub.subscriptionCount();
    }

    /** The live sessions, a weakly consistent view. */
    public Set<Session> sessions() {
        return java.util.Collections.unmodifiableSet(sessions);
    }

    /**
     * Disconnects every session with {@code reason}, e.g. {@link Disconnect#FORCE_RECONNECT} from a
     * test switch; their clients reconnect and resume.
     *
     * @return how many sessions were disconnected
     */
    public int disconnectAll(Disconnect reason) {
        int n = 0;
        for (Session session : sessions) {
            session.disconnect(reason);
            n++;
        }
        return n;
    }

    /**
     * Stops accepting publications and sessions, disconnects every session with
     * {@link Disconnect#SHUTDOWN} (clients reconnect and resume elsewhere or later) and closes the
     * broker. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            disconnectAll(Disconnect.SHUTDOWN);
            hub.close();
            broker.close();
        }
    }
}
