package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Action;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.presence.PresenceEvent;
import io.herald.server.ServerConfig;
import io.herald.server.api.HistoryRoute;
import io.herald.server.auth.Credentials;
import io.herald.server.codec.WireErrors;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The Herald WebSocket protocol's command handling without its framing: a text message in (a JSON
 * command), text messages out (replies, pushes, the goodbye). {@code /ws}
 * ({@link ProtocolWebSocketTransport}) carries the messages in WebSocket text frames, SockJS
 * ({@code io.herald.server.sockjs}) in SockJS frames; the texts are the same. Shapes are in
 * {@link Command} and {@link Replies}; pushes are the publications' envelopes.
 *
 * <p>Ordering: the subscribe reply precedes the subscription's recovered and live publications.
 * The reply is written when the subscription's {@link Subscribed} notice, queued before its
 * publications, reaches {@link #subscribed}; the command id waits for it in {@code pending}.
 * Publications are written only for channels whose reply was written and that were not
 * unsubscribed since, and a notice is taken only when its subscription is still the session's
 * current one for the channel, so nothing queued for an ended subscription leaks into a later one
 * of the same channel.
 *
 * <p>Errors: a command that is not JSON, lacks a field, has an unknown op or an invalid channel,
 * event or since gets an error reply ({@code invalid_command}, {@code invalid_channel},
 * {@code invalid_event}, {@code invalid_since}, {@code invalid_parameter}) and the session stays
 * open, as it does for {@code publish_forbidden}, {@code already_subscribed},
 * {@code not_subscribed} and {@code broker_unavailable}. A command over the session's command rate,
 * or a {@code publish} over its publication rate, is not carried out and gets
 * {@code too_many_requests}; the third such refusal within 10 s ends the session with {@code 4429}
 * ({@link FloodGuard}).
 *
 * <p>Access control (when on; docs/protocol.md, "WebSocket protocol"): the first command must be
 * {@code connect} with a token within {@code auth.timeout} (else 4408); anything but {@code ping}
 * before it, or a token that does not verify, gets an error reply and 4401 (an expired one 4004).
 * The session ends with 4004 at the token's {@code exp} plus {@code auth.expiry-grace} unless a
 * {@code refresh} with a newer token of the same {@code sub} moved it. Refusals of the
 * {@link io.herald.core.auth.Authorizer} ({@code unauthorized}, {@code forbidden}) are error
 * replies; the session stays open.
 *
 * <p>Threading: one instance per session; every method runs on the {@link Link}'s event loop, and
 * completions of the node's futures hop back to it ({@link Link#onEventLoop}) before writing.
 *
 * <p>Wire contract: docs/protocol.md, "WebSocket protocol" and "SockJS".
 */
public final class CommandProtocol {
    /** Subscriptions one session may hold; more get {@code too_many_requests}, so one client cannot grow the hub without bound. */
    static final int MAX_CHANNELS = 1024;

    /**
     * What the command handling needs of its carrier: where messages go, the session, timers.
     * Implemented by each framing; all methods are called on the carrier's event loop.
     */
    public interface Link {
        /** The attached core session. */
        Session session();

        /** Sends a reply now (written and flushed), outside the session's drain; dropped once closing. */
        void reply(String json);

        /** Sends a reply held in {@code json} (UTF-8; ownership passes) now, like {@link #reply(String)}. */
        void reply(ByteBuf json);

        /** Writes a message during the session's drain, without flushing; the array must not change. */
        void push(byte[] utf8Json);

        /** Writes a publication's envelope during the session's drain, without flushing (shared bytes where the framing allows). */
        void push(Publication publication);

        /** Writes a join or leave event (docs/protocol.md, "Presence") during the drain, without flushing. */
        void push(PresenceEvent event);

        /** Runs {@code task} on the carrier's event loop: at once when already there. */
        void onEventLoop(Runnable task);

        /** Ends the session with {@code reason} after {@code delay}, replacing any earlier deadline. */
        void deadline(Duration delay, Disconnect reason);

        /**
         * Makes {@code principal} the session's and moves its end to the token's expiry plus
         * {@code grace} ({@code auth.expiry-grace}; 4004 then), replacing any earlier deadline.
         *
         * @return the seconds until the token's {@code exp}, or -1 when it has none
         */
        long authenticated(Principal principal, Duration grace);

        /** Ends the session because the client broke a rule (e.g. {@link Disconnect#TOO_MANY_REQUESTS}). */
        void violation(Disconnect reason);
    }

    /**
     * What every session of one server shares: the node, access control and the rate limits'
     * configuration. Immutable; thread-safe.
     */
    public static final class Factory {
        private final Node node;
        private final ServerConfig config;
        private final WebSocketAccess access;

        /**
         * @param node        the node sessions subscribe and publish on
         * @param config      the server configuration ({@code auth}, {@code limits.ws.*})
         * @param credentials the loaded token keys; access control is on when it has a verifier
         */
        public Factory(Node node, ServerConfig config, Credentials credentials) {
            this(node, config, WebSocketAccess.of(credentials, config.auth()));
        }

        Factory(Node node, ServerConfig config, WebSocketAccess access) {
            this.node = node;
            this.config = config;
            this.access = access;
        }

        /** The command handling of one new session over {@code link}, with its own rate limits. */
        public CommandProtocol open(Link link) {
            return new CommandProtocol(node, access, new FloodGuard(config), link);
        }

        /** Whether access control is on: the first command must be {@code connect} with a token. */
        public boolean accessControl() {
            return access.enabled();
        }
    }

    /** A subscribe in flight: compared by identity, so a late failure of one is never taken for a newer one. */
    private static final class PendingSubscribe {
        final Long id;

        PendingSubscribe(Long id) {
            this.id = id;
        }
    }

    private final Node node;
    private final WebSocketAccess access;
    private final FloodGuard flood;
    private final Link link;
    /** Channels subscribed whose reply is not written yet. */
    private final Map<String, PendingSubscribe> pending = new HashMap<>();
    /** Channels whose reply was written: their publications are pushed. */
    private final Set<String> live = new HashSet<>();
    /** Whether a {@code connect} was accepted; with access control on nothing but it and ping is served before. */
    private boolean connected;

    CommandProtocol(Node node, WebSocketAccess access, FloodGuard flood, Link link) {
        this.node = node;
        this.access = access;
        this.flood = flood;
        this.link = link;
    }

    /** The session started: with access control on, the connect timeout ({@code auth.timeout}, 4408) starts. */
    public void started() {
        if (access.enabled()) {
            link.deadline(access.timeout(), Disconnect.CONNECT_TIMEOUT);
        }
    }

    /**
     * The session was authenticated by its opening request (SockJS's cookie, docs/protocol.md
     * "SockJS"), after {@link #started}: it is connected as if by a {@code connect} with that token
     * (its principal, its end at the token's expiry plus grace); nothing is sent. With access
     * control off, nothing changes.
     */
    public void admitted(Principal principal) {
        if (access.enabled() && !connected) {
            connected = true;
            link.authenticated(principal, access.grace());
        }
    }

    /**
     * The opening request's credential did not verify ({@code unauthorized}, {@code token_expired}):
     * the error message, then the session ends as after a {@code connect} with that token (4401,
     * or 4004 for an expired one).
     */
    public void refused(HeraldException e) {
        refuse(null, e);
    }

    /** A token that does not verify: the error reply to command {@code id}, then the end (4401, expired 4004). */
    private void refuse(Long id, HeraldException e) {
        link.reply(Replies.error(id, e.code(), e.getMessage()));
        link.session().disconnect(WireErrors.disconnectFor(e.code()));
    }

    /** A text message from the client: one JSON command (UTF-8, not released here). */
    public void text(ByteBuf content) {
        long now = System.nanoTime();
        boolean allowed = flood.command(now);
        Command command = null;
        try {
            command = Command.parse(content);
            if (allowed && "publish".equals(command.op())) {
                allowed = flood.publish(now);
            }
            if (!allowed) {
                tooMany(command.id(), now);
                return;
            }
            command.check();
            if (access.enabled() && !connected && !command.op().equals("connect") && !command.op().equals("ping")) {
                throw new HeraldException(ErrorCode.UNAUTHORIZED, "op " + Names.quote(command.op())
                        + " before connect (expected: {\"id\":1,\"op\":\"connect\",\"token\":\"JWT\"} first)");
            }
            dispatch(command);
        } catch (HeraldException e) {
            if (!allowed) {
                tooMany(command == null ? null : command.id(), now);
                return;
            }
            link.reply(Replies.error(command == null ? null : command.id(), e.code(), e.getMessage()));
            if (access.enabled() && !connected) {
                // Before connect the only answers are connect's: anything else ends the session (4401).
                link.session().disconnect(Disconnect.UNAUTHORIZED);
            }
        }
    }

    /** A binary message from the client: not a command ({@code invalid_command}). */
    public void binary() {
        long now = System.nanoTime();
        if (!flood.command(now)) {
            tooMany(null, now);
            return;
        }
        link.reply(Replies.error(null, ErrorCode.INVALID_COMMAND,
                "binary message (expected: a text message holding a JSON command; publish bytes with data_b64)"));
        if (access.enabled() && !connected) {
            link.session().disconnect(Disconnect.UNAUTHORIZED); // anything but connect first ends the session
        }
    }

    /**
     * A command over a rate limit, not carried out: the error {@code too_many_requests}, or, the
     * third time within 10 s, the end {@code 4429} ({@link FloodGuard}).
     */
    private void tooMany(Long id, long now) {
        if (flood.strike(now)) {
            link.violation(Disconnect.TOO_MANY_REQUESTS);
        } else {
            HeraldException refusal = FloodGuard.refusal();
            link.reply(Replies.error(id, refusal.code(), refusal.getMessage()));
        }
    }

    private void dispatch(Command command) {
        switch (command.op()) {
            case "connect" -> connect(command);
            case "refresh" -> refresh(command);
            case "subscribe" -> subscribe(command);
            case "unsubscribe" -> unsubscribe(command);
            case "publish" -> publish(command);
            case "history" -> history(command);
            case "presence" -> presence(command);
            case "ping" -> link.reply(Replies.ok(command.id()));
            default -> throw Command.invalid("op " + Names.quote(command.op()) + " (expected: " + Command.OPS + ")");
        }
    }

    /**
     * {@code connect}: verifies the token, makes its principal the session's and sets the session's
     * end to its expiry plus grace. A token that does not verify gets its error reply and ends the
     * session: {@code token_expired} with 4004 (get a new token and reconnect), anything else with
     * 4401. With access control off it is accepted as is, so clients can always send it.
     */
    private void connect(Command command) {
        String token = command.token();
        if (connected) {
            throw Command.invalid("already connected (expected: refresh to renew the token)");
        }
        if (!access.enabled()) {
            connected = true;
            link.reply(Replies.connected(command.id(), -1));
            return;
        }
        if (token == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "connect without a token (expected: \"token\":\"JWT\")");
        }
        Principal principal;
        try {
            principal = access.tokens().verify(token);
        } catch (HeraldException e) {
            refuse(command.id(), e);
            return;
        }
        connected = true;
        link.reply(Replies.connected(command.id(), link.authenticated(principal, access.grace())));
    }

    /**
     * {@code refresh}: a new token for the same {@code sub} moves the session's end to its expiry.
     * One that does not verify (expired, invalid) gets an error reply and leaves the deadline as it
     * was; one of another {@code sub} ends the session with 4403. With access control off it is
     * accepted as is.
     */
    private void refresh(Command command) {
        String token = command.token();
        if (!access.enabled()) {
            link.reply(Replies.connected(command.id(), -1));
            return;
        }
        if (token == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "refresh without a token (expected: \"token\":\"JWT\")");
        }
        Principal principal = access.tokens().verify(token);
        if (!principal.subject().equals(link.session().principal().subject())) {
            link.reply(Replies.error(command.id(), ErrorCode.FORBIDDEN, "refresh with a token of another sub"));
            link.session().disconnect(Disconnect.FORBIDDEN);
            return;
        }
        link.reply(Replies.connected(command.id(), link.authenticated(principal, access.grace())));
    }

    private void subscribe(Command command) {
        String channelName = command.channel();
        StreamPosition since = command.since();
        if (pending.containsKey(channelName) || live.contains(channelName)) {
            throw new HeraldException(ErrorCode.ALREADY_SUBSCRIBED,
                    "channel " + Names.quote(channelName) + " is already subscribed on this socket");
        }
        if (pending.size() + live.size() >= MAX_CHANNELS) {
            throw new HeraldException(ErrorCode.TOO_MANY_REQUESTS, "socket already has " + MAX_CHANNELS
                    + " subscriptions (expected: at most " + MAX_CHANNELS + " channels per socket)");
        }
        PendingSubscribe tag = new PendingSubscribe(command.id());
        pending.put(channelName, tag);
        node.subscribe(link.session(), channelName, since).whenComplete((notice, error) -> {
            if (error != null) {
                link.onEventLoop(() -> {
                    if (pending.remove(channelName, tag)) {
                        replyFailure(tag.id, error, "subscribe");
                    }
                });
            }
        });
    }

    private void unsubscribe(Command command) {
        String channelName = command.channel();
        boolean had = node.unsubscribe(link.session(), channelName);
        live.remove(channelName);
        PendingSubscribe inFlight = pending.remove(channelName);
        if (inFlight != null) {
            link.reply(Replies.error(inFlight.id, ErrorCode.NOT_SUBSCRIBED,
                    "unsubscribed (command " + command.id() + ") before the subscription was ready"));
        }
        link.reply(had ? Replies.unsubscribed(command.id(), channelName)
                : Replies.error(command.id(), ErrorCode.NOT_SUBSCRIBED,
                        "channel " + Names.quote(channelName) + " is not subscribed on this socket"));
    }

    private void publish(Command command) {
        Long id = command.id();
        node.publishFromClient(link.session(), command.channel(), command.event(), command.payload(), command.idempotencyKey(),
                        command.key())
                .whenComplete((p, error) ->
                link.onEventLoop(() -> {
                    if (error == null) {
                        link.reply(Replies.published(id, p));
                    } else {
                        replyFailure(id, error, "publish");
                    }
                }));
    }

    private void history(Command command) {
        Long id = command.id();
        int limit = command.limit(HistoryRoute.DEFAULT_LIMIT, HistoryRoute.MAX_LIMIT);
        node.history(link.session().principal(), Action.HISTORY, command.channel(), command.since(), limit).whenComplete((page, error) ->
                link.onEventLoop(() -> {
                    if (error == null) {
                        link.reply(Replies.history(id, page));
                    } else {
                        replyFailure(id, error, "history");
                    }
                }));
    }

    /** {@code presence}: the channel's clients, or with {@code count} their counts; checked as reading history. */
    private void presence(Command command) {
        Long id = command.id();
        String channelName = command.channel();
        if (command.count()) {
            node.presenceStats(link.session().principal(), channelName).whenComplete((stats, error) -> link.onEventLoop(() -> {
                if (error == null) {
                    link.reply(Replies.presenceStats(id, channelName, stats));
                } else {
                    replyFailure(id, error, "presence");
                }
            }));
        } else {
            node.presence(link.session().principal(), channelName).whenComplete((clients, error) -> link.onEventLoop(() -> {
                if (error == null) {
                    link.reply(Replies.presence(id, channelName, clients));
                } else {
                    replyFailure(id, error, "presence");
                }
            }));
        }
    }

    /** Replies to command {@code id} with what its future failed with ({@link WireErrors#failure}). */
    private void replyFailure(Long id, Throwable error, String op) {
        HeraldException e = WireErrors.failure(error, "WebSocket " + op + " command " + id);
        link.reply(Replies.error(id, e.code(), e.getMessage()));
    }

    /**
     * Writes the subscribe reply when {@code notice} starts the session's current subscription to
     * its channel; a notice of a subscription that ended before it was written (unsubscribed, maybe
     * subscribed again since) is dropped, as are that subscription's publications. During the drain.
     */
    public void subscribed(Subscribed notice) {
        String channelName = notice.channel();
        if (link.session().subscription(channelName) != notice.subscription()) {
            return;
        }
        PendingSubscribe tag = pending.remove(channelName);
        if (tag != null) {
            live.add(channelName);
            link.push(Replies.subscribed(tag.id, notice).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A publication from the session's drain: pushed when its channel's reply was written. */
    public void publication(Publication publication) {
        if (live.contains(publication.channel())) {
            link.push(publication);
        }
    }

    /** A join or leave event from the drain: pushed when its channel is live (docs/protocol.md, "Presence"). */
    public void presenceEvent(PresenceEvent event) {
        if (live.contains(event.channel())) {
            link.push(event);
        }
    }

    /** The goodbye message sent before the session ends: {@code {"disconnect":{"code":..,"reason":..,"reconnect":..}}}. */
    public static String goodbye(Disconnect reason) {
        return Replies.disconnect(reason);
    }
}
