package io.herald.server.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Node;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Push;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.WireErrors;
import io.herald.server.http.Json;
import io.herald.server.socketio.SioNamespace.SioSocket;
import io.herald.server.socketio.engine.EnginePacket;
import io.herald.server.websocket.FloodGuard;
import io.herald.server.transport.LoopCoalescer;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One Socket.IO socket of the namespace {@code /} as a Herald session: a core {@link Transport}
 * whose pushes are Socket.IO events over its Engine.IO session (docs/protocol.md, "Socket.IO").
 *
 * <p>Events from the client, each acknowledged when the client asked for it:
 * <pre>
 * subscribe   {channel, since?}                  ack {"ok":true,"channel":..,"reset":..,"position":..,"recovered":n}
 * unsubscribe {channel}                          ack {"ok":true,"channel":..}
 * publish     {channel, data, event?, idempotency_key?}   ack {"ok":true,"channel":..,"position":..,"offset":n}
 * (any failure)                                  ack {"error":{"code":..,"message":..}}
 * </pre>
 * Events to the client, each with the socket's recovery offset ({@link Cursor}) as its last argument:
 * {@code publication} (the envelope), {@code subscribed} ({@code {channel, position, reset, recovered}},
 * after the ack, and for each subscription a recovery restored) and {@code unsubscribed}
 * ({@code {channel}}); before the server ends the socket, {@code goodbye}
 * ({@code {code, reason, reconnect}}): with {@code reconnect} the Engine.IO connection is closed, so
 * the client reconnects and recovers, else the socket gets a {@code DISCONNECT}.
 *
 * <p>Ordering as on the WebSocket protocol: a subscription's ack precedes its publications;
 * publications queued for a subscription that ended are dropped. One instance per socket; every
 * method but {@link #close} runs on the Engine.IO session's event loop.
 */
final class HeraldSocket implements SioSocket, Transport {
    /** A subscribe in flight, by identity; {@code ackId} is -1 when the client asked for no ack. */
    private record Pending(long ackId) {
    }

    private final Node node;
    private final SioConnection connection;
    private final String namespace;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Set<String> live = new HashSet<>();
    private final Cursor cursor = new Cursor();
    private final FloodGuard flood;
    /** The start of this socket's event packets, {@code 2} or {@code 2/nsp,}, in UTF-8. */
    private final byte[] eventHead;
    /** Whether this socket's events may be {@link #SHARED_PUBLICATION}'s (it is of the namespace {@code /}). */
    private final boolean sharesEvents;
    private Session session;
    private ScheduledFuture<?> expiry;
    private boolean closing;
    private boolean ended;

    HeraldSocket(Node node, SioConnection connection, String namespace, FloodGuard flood) {
        this.node = node;
        this.flood = flood;
        this.connection = connection;
        this.namespace = namespace;
        this.eventHead = SioPacket.encode(SioPacket.EVENT, namespace, -1, 0, null).getBytes(StandardCharsets.UTF_8);
        this.sharesEvents = Arrays.equals(eventHead, ROOT_EVENT_HEAD);
    }

    /**
     * Creates the session for {@code principal} and, when its token expires, schedules its end
     * ({@link Disconnect#TOKEN_EXPIRED}) at the expiry plus {@code grace}.
     *
     * @throws HeraldException {@code shutting_down} when the node takes no sessions
     */
    void start(Principal principal, Duration grace) {
        session = node.newSession(this);
        session.principal(principal);
        Instant expiresAt = principal.expiresAt();
        if (expiresAt != null) {
            long ms = Math.max(0, Duration.between(Instant.now(), expiresAt.plus(grace)).toMillis());
            expiry = connection.engine().loop().schedule(() -> session.disconnect(Disconnect.TOKEN_EXPIRED),
                    ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Subscribes every channel of a recovered offset from its position (no acks; {@code subscribed} events follow). */
    void recover(Map<String, StreamPosition> positions) {
        for (Map.Entry<String, StreamPosition> e : positions.entrySet()) {
            subscribe(e.getKey(), e.getValue(), -1);
        }
    }

    // ---- from the client ----

    @Override
    public void event(SioPacket packet) {
        if (ended || closing) {
            return;
        }
        long ackId = packet.id();
        long now = System.nanoTime();
        if (!flood.admit("publish".equals(packet.event()), now)) {
            // over limits.ws.*, as a command on /ws: refused, the third time within 10 s the end (4429)
            if (flood.strike(now)) {
                session.disconnect(Disconnect.TOO_MANY_REQUESTS);
            } else {
                replyError(ackId, FloodGuard.refusal());
            }
            return;
        }
        try {
            if (packet.attachments() > 0) {
                throw new HeraldException(ErrorCode.INVALID_COMMAND,
                        "binary attachments (expected: JSON arguments; publish bytes as data_b64)");
            }
            String name = packet.event();
            JsonNode arg = packet.args().path(0);
            switch (name == null ? "" : name) {
                case "subscribe" -> subscribe(Names.checkChannel(text(arg, "channel")),
                        StreamPosition.parseOrNull(text(arg, "since")), ackId);
                case "unsubscribe" -> unsubscribe(Names.checkChannel(text(arg, "channel")), ackId);
                case "publish" -> publish(arg, ackId);
                default -> throw new HeraldException(ErrorCode.INVALID_COMMAND, "event " + Names.quote(name)
                        + " (expected: subscribe, unsubscribe or publish)");
            }
        } catch (RuntimeException e) {
            // a HeraldException is the client's error; anything else is logged and answered internal_error
            replyError(ackId, WireErrors.failure(e, "Socket.IO event"));
        }
    }

    private static String text(JsonNode arg, String field) {
        JsonNode v = arg.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, field + " " + v + " (expected: a string)");
        }
        return v.textValue();
    }

    private void subscribe(String channel, StreamPosition since, long ackId) {
        if (pending.containsKey(channel) || live.contains(channel)) {
            throw new HeraldException(ErrorCode.ALREADY_SUBSCRIBED,
                    "channel " + Names.quote(channel) + " is already subscribed on this socket");
        }
        if (pending.size() + live.size() >= Cursor.MAX_CHANNELS) {
            throw new HeraldException(ErrorCode.TOO_MANY_REQUESTS, "socket already has " + Cursor.MAX_CHANNELS
                    + " subscriptions (expected: at most " + Cursor.MAX_CHANNELS + " channels per Socket.IO socket)");
        }
        Pending tag = new Pending(ackId);
        pending.put(channel, tag);
        node.subscribe(session, channel, since).whenComplete((notice, error) -> {
            if (error != null) {
                onLoop(() -> {
                    if (pending.remove(channel, tag)) {
                        replyError(tag.ackId(), WireErrors.failure(error, "Socket.IO subscribe"));
                    }
                });
            }
        });
    }

    private void unsubscribe(String channel, long ackId) {
        boolean had = node.unsubscribe(session, channel);
        live.remove(channel);
        Pending inFlight = pending.remove(channel);
        if (inFlight != null) {
            replyError(inFlight.ackId(), new HeraldException(ErrorCode.NOT_SUBSCRIBED,
                    "unsubscribed before the subscription was ready"));
        }
        if (!had) {
            throw new HeraldException(ErrorCode.NOT_SUBSCRIBED,
                    "channel " + Names.quote(channel) + " is not subscribed on this socket");
        }
        cursor.remove(channel);
        reply(ackId, "{\"ok\":true,\"channel\":" + Json.quote(channel) + "}");
        emit("unsubscribed", "{\"channel\":" + Json.quote(channel) + "}");
        connection.flush();
    }

    private void publish(JsonNode arg, long ackId) {
        String channel = Names.checkChannel(text(arg, "channel"));
        String event = text(arg, "event");
        String key = text(arg, "idempotency_key");
        JsonNode data = arg.get("data");
        if (data == null) {
            throw new HeraldException(ErrorCode.INVALID_COMMAND, "publish without data (expected: {channel, data})");
        }
        Payload payload;
        if (data.isTextual()) {
            payload = Payload.text(data.textValue());
        } else {
            try {
                payload = new Payload(Payload.Kind.JSON, "application/json", SioPacket.MAPPER.writeValueAsBytes(data));
            } catch (JsonProcessingException e) {
                throw new HeraldException(ErrorCode.INVALID_COMMAND, "data cannot be encoded as JSON");
            }
        }
        node.publishFromClient(session, channel, event, payload, key).whenComplete((p, error) -> onLoop(() -> {
            if (error == null) {
                reply(ackId, "{\"ok\":true,\"channel\":" + Json.quote(p.channel()) + ",\"position\":\"" + p.id()
                        + "\",\"offset\":" + p.offset() + "}");
            } else {
                replyError(ackId, WireErrors.failure(error, "Socket.IO publish"));
            }
            connection.flush();
        }));
    }

    /**
     * Answers a failed event: in its ack {@code {"error":{"code":..,"message":..}}}, or, when the
     * client asked for no ack, as the event {@code error} with {@code {"code":..,"message":..}}
     * (docs/protocol.md, "Socket.IO"), so that no failure is silent. The socket stays.
     */
    private void replyError(long ackId, HeraldException e) {
        String error = WireErrors.errorJson(e.code(), e.getMessage());
        if (ackId >= 0) {
            reply(ackId, "{\"error\":" + error + "}");
        } else if (!ended && !closing) {
            emit("error", error);
        }
        connection.flush();
    }

    /** Acknowledges the client's event {@code ackId} with one argument; nothing when the client asked for no ack. */
    private void reply(long ackId, String json) {
        if (ackId >= 0 && !ended) {
            connection.ack(namespace, ackId, "[" + json + "]");
        }
    }

    private static final byte[] PUBLICATION_HEAD = "[\"publication\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFSET_HEAD = ",\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFSET_TAIL = "\"]".getBytes(StandardCharsets.US_ASCII);
    /** The start of an event packet of the namespace {@code /}. */
    private static final byte[] ROOT_EVENT_HEAD = SioPacket.encode(SioPacket.EVENT, "/", -1, 0, null)
            .getBytes(StandardCharsets.UTF_8);

    /**
     * A publication's event as every socket of the namespace {@code /} whose offset names its channel
     * alone gets it, {@code 2["publication",<envelope>,"CHANNEL=EPOCH-OFFSET"]}, built once per
     * publication and shared by those sockets ({@link EnginePacket#shared}: over WebSocket one frame
     * for all). What else makes an event differ per socket: the namespace (in the packet's head) and
     * the offset (every subscription of the socket); conflation makes a publication of its own, with
     * its own encodings (docs/protocol.md, "Socket.IO", "Conflation").
     */
    static final Publication.Encoding<EnginePacket> SHARED_PUBLICATION = Publication.Encoding.of("socketio-publication",
            p -> EnginePacket.shared(ROOT_EVENT_HEAD, PUBLICATION_HEAD, p.encoded(Envelopes.ENVELOPE), OFFSET_HEAD,
                    Cursor.single(p.channel(), p.position()), OFFSET_TAIL));

    /** Emits {@code name} with {@code json} and the socket's recovery offset. */
    private void emit(String name, String json) {
        connection.emit(namespace, "[\"" + name + "\"," + json + ",\"" + cursor.encoded() + "\"]");
    }

    @Override
    public void drained() {
        if (session != null) {
            session.onWritable();
        }
    }

    @Override
    public void disconnected(String reason) {
        end();
    }

    private void end() {
        if (!ended) {
            ended = true;
            if (expiry != null) {
                expiry.cancel(false);
            }
            if (session != null) {
                session.onClosed();
            }
        }
    }

    private void onLoop(Runnable task) {
        var loop = connection.engine().loop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    // ---- the core Transport ----

    @Override
    public String name() {
        return "socket.io";
    }

    /** The Engine.IO socket's loop, wrapped for the write delay (docs/protocol.md, "Write delay"). */
    @Override
    public Executor executor() {
        return LoopCoalescer.of(connection.engine().loop());
    }

    @Override
    public boolean writable() {
        return !closing && !ended && connection.writable();
    }

    /** Its {@code publication} events carry the envelope, with {@code "conflated":n} (docs/protocol.md, "Conflation"). */
    @Override
    public boolean showsConflation() {
        return true;
    }

    @Override
    public void write(Push push) {
        if (ended) {
            return;
        }
        if (push instanceof Publication p) {
            if (live.contains(p.channel())) {
                cursor.put(p.channel(), p.position());
                if (sharesEvents && cursor.only(p.channel())) {
                    // the same bytes for every socket on this channel alone: built once, shared
                    connection.emitShared(p.encoded(SHARED_PUBLICATION));
                } else {
                    // as emit("publication", envelope) writes it, from the envelope's bytes shared by every
                    // transport: no String per delivery (docs/protocol.md, "Socket.IO")
                    connection.emitEncoded(eventHead, PUBLICATION_HEAD, p.encoded(Envelopes.ENVELOPE), OFFSET_HEAD,
                            cursor.utf8(), OFFSET_TAIL);
                }
            }
        } else if (push instanceof Subscribed notice) {
            String channel = notice.channel();
            if (session.subscription(channel) != notice.subscription()) {
                return;
            }
            Pending tag = pending.remove(channel);
            if (tag != null) {
                live.add(channel);
                cursor.put(channel, notice.position());
                String json = "{\"ok\":true,\"channel\":" + Json.quote(channel) + ",\"reset\":" + notice.reset()
                        + ",\"position\":\"" + notice.position().id() + "\",\"recovered\":" + notice.recovered() + "}";
                reply(tag.ackId(), json);
                emit("subscribed", json);
            }
        }
    }

    @Override
    public void flush() {
        if (!ended) {
            connection.flush();
        }
    }

    @Override
    public void close(Disconnect reason) {
        onLoop(() -> {
            if (closing || ended) {
                end();
                return;
            }
            closing = true;
            emit("goodbye", WireErrors.disconnectJson(reason));
            if (reason.reconnect()) {
                connection.flush();
                connection.engine().close("forced close"); // the client reconnects and recovers
            } else {
                connection.disconnect(namespace);
            }
            end();
        });
    }
}
