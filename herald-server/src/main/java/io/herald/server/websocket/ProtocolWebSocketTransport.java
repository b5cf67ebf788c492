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
import io.herald.server.api.HistoryRoute;
import io.herald.server.codec.Envelopes;
import io.herald.core.presence.PresenceEvent;
import io.herald.server.codec.WireErrors;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The WebSocket protocol transport, {@code GET /ws}: JSON commands in, replies and pushes out, any
 * number of channels per socket. Shapes are in {@link Command} and {@link Replies}; pushes are the
 * publications' envelopes (the shared bytes of {@link Envelopes#ENVELOPE}), one text frame each.
 *
 * <p>Ordering: the subscribe reply precedes the subscription's recovered and live publications.
 * The reply is written when the subscription's {@link Subscribed} notice, queued before its
 * publications, reaches {@link #writeSubscribed}; the command id waits for it in {@code pending}.
 * Publications are written only for channels whose reply was written and that were not
 * unsubscribed since, and a notice is taken only when its subscription is still the session's
 * current one for the channel, so nothing queued for an ended subscription leaks into a later one
 * of the same channel.
 *
 * <p>Errors: a command that is not JSON, lacks a field, has an unknown op or an invalid channel,
 * event or since gets an error reply ({@code invalid_command}, {@code invalid_channel},
 * {@code invalid_event}, {@code invalid_since}, {@code invalid_parameter}) and the socket stays
 * open, as it does for {@code publish_forbidden}, {@code already_subscribed},
 * {@code not_subscribed} and {@code broker_unavailable}. A binary message is not a command
 * ({@code invalid_command}). A command over the socket's command rate, or a {@code publish} over its
 * publication rate, is not carried out and gets {@code too_many_requests}; the third such refusal
 * within 10 s closes the socket with {@code 4429} ({@link FloodGuard}). Server ping frames are the heartbeat; {@code op:"ping"} is the
 * client's own round trip. Before closing, the server sends
 * {@code {"disconnect":{"code":..,"reason":..,"reconnect":..}}} and a close frame with the same code
 * (RFC 6455, section 7.4).
 *
 * <p>Access control (when on; docs/protocol.md, "WebSocket protocol"): the first command must be
 * {@code connect} with a token within {@code auth.timeout} (else close 4408); anything but
 * {@code ping} before it, or a token that does not verify, gets an error reply and close 4401 (an
 * expired one 4004). The session ends with 4004 at the token's {@code exp} plus
 * {@code auth.expiry-grace} unless a {@code refresh} with a newer token of the same {@code sub}
 * moved it. Refusals of the {@link io.herald.core.auth.Authorizer} ({@code unauthorized},
 * {@code forbidden}) are error replies; the socket stays open.
 *
 * <p>One instance per connection; all methods but {@link #close} run on its event loop, and
 * completions of the node's futures hop back to it before writing.
 *
 * <p>Wire contract: docs/protocol.md, "WebSocket protocol".
 */
final class ProtocolWebSocketTransport extends WebSocketTransport {
    /** Subscriptions one socket may hold; more get {@code too_many_requests}, so one client cannot grow the hub without bound. */
    static final int MAX_CHANNELS = 1024;

    /** A subscribe in flight: compared by identity, so a late failure of one is never taken for a newer one. */
    private static final class PendingSubscribe {
        final Long id;

        PendingSubscribe(Long id) {
            this.id = id;
        }
    }

    /** Channels subscribed whose reply is not written yet. */
    private final Map<String, PendingSubscribe> pending = new HashMap<>();
    /** Channels whose reply was written: their publications are pushed. */
    private final Set<String> live = new HashSet<>();
    /** Whether a {@code connect} was accepted; with access control on nothing but it and ping is served before. */
    private boolean connected;

    /**
     * @param channel   the upgraded connection
     * @param node      the node
     * @param heartbeat the ping interval
     * @param access    access control: when on, the first command must be {@code connect} with a token
     * @param flood     the socket's rate limits
     */
    ProtocolWebSocketTransport(Channel channel, Node node, Duration heartbeat, WebSocketAccess access, FloodGuard flood) {
        super(channel, node, heartbeat, access, flood);
    }

    /** Its envelopes carry {@code "conflated":n} (docs/protocol.md, "Conflation"). */
    @Override
    public boolean showsConflation() {
        return true;
    }

    @Override
    protected void started(Session session) {
        // Nothing until the first command; with access control on, that must be connect within auth.timeout.
        if (access.enabled()) {
            deadline(access.timeout(), Disconnect.CONNECT_TIMEOUT);
        }
    }

    @Override
    protected void textReceived(TextWebSocketFrame frame) {
        long now = System.nanoTime();
        boolean allowed = flood.command(now);
        Command command = null;
        try {
            command = Command.parse(frame.content());
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
            reply(Replies.error(command == null ? null : command.id(), e.code(), e.getMessage()));
            if (access.enabled() && !connected) {
                // Before connect the only answers are connect's: anything else ends the socket (4401).
                session().disconnect(Disconnect.UNAUTHORIZED);
            }
        }
    }

    @Override
    protected void binaryReceived(BinaryWebSocketFrame frame) {
        long now = System.nanoTime();
        if (!flood.command(now)) {
            tooMany(null, now);
            return;
        }
        reply(Replies.error(null, ErrorCode.INVALID_COMMAND,
                "binary message (expected: a text message holding a JSON command; publish bytes with data_b64)"));
        if (access.enabled() && !connected) {
            session().disconnect(Disconnect.UNAUTHORIZED); // anything but connect first ends the socket
        }
    }

    /**
     * A command over a rate limit, not carried out: the error {@code too_many_requests}, or, the
     * third time within 10 s, the close {@code 4429} ({@link FloodGuard}).
     */
    private void tooMany(Long id, long now) {
        if (flood.strike(now)) {
            violation(Disconnect.TOO_MANY_REQUESTS);
        } else {
            reply(Replies.error(id, ErrorCode.TOO_MANY_REQUESTS, "over the socket's command or publication rate"
                    + " (limits.ws.*); slow down: a third refusal within 10 s closes the socket with 4429"));
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
            case "ping" -> reply(Replies.ok(command.id()));
            default -> throw Command.invalid("op " + Names.quote(command.op()) + " (expected: " + Command.OPS + ")");
        }
    }

    /**
     * {@code connect}: verifies the token, makes its principal the session's and sets the session's
     * end to its expiry plus grace. A token that does not verify gets its error reply and ends the
     * socket: {@code token_expired} with 4004 (get a new token and reconnect), anything else with
     * 4401. With access control off it is accepted as is, so clients can always send it.
     */
    private void connect(Command command) {
        String token = command.token();
        if (connected) {
            throw Command.invalid("already connected (expected: refresh to renew the token)");
        }
        if (!access.enabled()) {
            connected = true;
            reply(Replies.connected(command.id(), -1));
            return;
        }
        if (token == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "connect without a token (expected: \"token\":\"JWT\")");
        }
        Principal principal;
        try {
            principal = access.tokens().verify(token);
        } catch (HeraldException e) {
            reply(Replies.error(command.id(), e.code(), e.getMessage()));
            session().disconnect(WireErrors.disconnectFor(e.code()));
            return;
        }
        connected = true;
        reply(Replies.connected(command.id(), authenticated(principal)));
    }

    /**
     * {@code refresh}: a new token for the same {@code sub} moves the session's end to its expiry.
     * One that does not verify (expired, invalid) gets an error reply and leaves the deadline as it
     * was; one of another {@code sub} ends the socket with 4403. With access control off it is
     * accepted as is.
     */
    private void refresh(Command command) {
        String token = command.token();
        if (!access.enabled()) {
            reply(Replies.connected(command.id(), -1));
            return;
        }
        if (token == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "refresh without a token (expected: \"token\":\"JWT\")");
        }
        Principal principal = access.tokens().verify(token);
        if (!principal.subject().equals(session().principal().subject())) {
            reply(Replies.error(command.id(), ErrorCode.FORBIDDEN, "refresh with a token of another sub"));
            session().disconnect(Disconnect.FORBIDDEN);
            return;
        }
        reply(Replies.connected(command.id(), authenticated(principal)));
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
        node.subscribe(session(), channelName, since).whenComplete((notice, error) -> {
            if (error != null) {
                onEventLoop(() -> {
                    if (pending.remove(channelName, tag)) {
                        replyFailure(tag.id, error, "subscribe");
                    }
                });
            }
        });
    }

    private void unsubscribe(Command command) {
        String channelName = command.channel();
        boolean had = node.unsubscribe(session(), channelName);
        live.remove(channelName);
        PendingSubscribe inFlight = pending.remove(channelName);
        if (inFlight != null) {
            reply(Replies.error(inFlight.id, ErrorCode.NOT_SUBSCRIBED,
                    "unsubscribed (command " + command.id() + ") before the subscription was ready"));
        }
        reply(had ? Replies.unsubscribed(command.id(), channelName)
                : Replies.error(command.id(), ErrorCode.NOT_SUBSCRIBED,
                        "channel " + Names.quote(channelName) + " is not subscribed on this socket"));
    }

    private void publish(Command command) {
        Long id = command.id();
        node.publishFromClient(session(), command.channel(), command.event(), command.payload(), command.idempotencyKey(),
                        command.key())
                .whenComplete((p, error) ->
                onEventLoop(() -> {
                    if (error == null) {
                        reply(Replies.published(id, p));
                    } else {
                        replyFailure(id, error, "publish");
                    }
                }));
    }

    private void history(Command command) {
        Long id = command.id();
        int limit = command.limit(HistoryRoute.DEFAULT_LIMIT, HistoryRoute.MAX_LIMIT);
        node.history(session().principal(), Action.HISTORY, command.channel(), command.since(), limit).whenComplete((page, error) ->
                onEventLoop(() -> {
                    if (error == null) {
                        writeFrameAndFlush(textFrame(Replies.history(id, page)));
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
            node.presenceStats(session().principal(), channelName).whenComplete((stats, error) -> onEventLoop(() -> {
                if (error == null) {
                    reply(Replies.presenceStats(id, channelName, stats));
                } else {
                    replyFailure(id, error, "presence");
                }
            }));
        } else {
            node.presence(session().principal(), channelName).whenComplete((clients, error) -> onEventLoop(() -> {
                if (error == null) {
                    reply(Replies.presence(id, channelName, clients));
                } else {
                    replyFailure(id, error, "presence");
                }
            }));
        }
    }

    /** Replies to command {@code id} with what its future failed with ({@link WireErrors#failure}). */
    private void replyFailure(Long id, Throwable error, String op) {
        HeraldException e = WireErrors.failure(error, "WebSocket " + op + " command " + id);
        reply(Replies.error(id, e.code(), e.getMessage()));
    }

    private void reply(String json) {
        writeFrameAndFlush(textFrame(json));
    }

    /**
     * Writes the subscribe reply when {@code notice} starts the session's current subscription to
     * its channel; a notice of a subscription that ended before it was written (unsubscribed, maybe
     * subscribed again since) is dropped, as are that subscription's publications.
     */
    @Override
    protected void writeSubscribed(Subscribed notice) {
        String channelName = notice.channel();
        if (session().subscription(channelName) != notice.subscription()) {
            return;
        }
        PendingSubscribe tag = pending.remove(channelName);
        if (tag != null) {
            live.add(channelName);
            writeText(Replies.subscribed(tag.id, notice).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void writePublication(Publication publication) {
        if (live.contains(publication.channel())) {
            // the envelope's whole text frame, encoded once per publication and shared
            writeShared(publication.encoded(SharedFrames.ENVELOPE));
        }
    }

    /** A join or leave event of a live channel: its JSON in one text frame, shared (docs/protocol.md, "Presence"). */
    @Override
    protected void writePresenceEvent(PresenceEvent event) {
        if (live.contains(event.channel())) {
            writeShared(event.encoded(SharedFrames.PRESENCE_EVENT)); // one frame for every recipient
        }
    }

    @Override
    protected void writeGoodbye(Disconnect reason) {
        channel.write(textFrame(Replies.disconnect(reason)), channel.voidPromise());
        writeCloseFrame(reason, reason.reason());
    }
}
