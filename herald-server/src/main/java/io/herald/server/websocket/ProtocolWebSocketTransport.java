package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;

/**
 * The WebSocket protocol transport, {@code GET /ws}: JSON commands in, replies and pushes out, any
 * number of channels per socket, one message per text frame; the command handling itself is
 * {@link CommandProtocol}'s (shared with SockJS). Shapes are in {@link Command} and {@link Replies}; pushes are the
 * publications' envelopes (the shared bytes of {@link io.herald.server.codec.Envelopes#ENVELOPE}), one text frame each.
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
    /** Subscriptions one socket may hold ({@link CommandProtocol#MAX_CHANNELS}). */
    static final int MAX_CHANNELS = CommandProtocol.MAX_CHANNELS;

    /** The command handling, shared with SockJS; it writes through {@link FrameLink}. */
    private final CommandProtocol protocol;

    /**
     * @param channel   the upgraded connection
     * @param node      the node
     * @param heartbeat the ping interval
     * @param access    access control: when on, the first command must be {@code connect} with a token
     * @param flood     the socket's rate limits
     */
    ProtocolWebSocketTransport(Channel channel, Node node, Duration heartbeat, WebSocketAccess access, FloodGuard flood) {
        super(channel, node, heartbeat, access, flood);
        this.protocol = new CommandProtocol(node, access, flood, new FrameLink());
    }

    /** The command handling's messages as text frames on this socket. */
    private final class FrameLink implements CommandProtocol.Link {
        @Override
        public Session session() {
            return ProtocolWebSocketTransport.this.session();
        }

        @Override
        public void reply(String json) {
            writeFrameAndFlush(textFrame(json));
        }

        @Override
        public void reply(ByteBuf json) {
            writeFrameAndFlush(textFrame(json));
        }

        @Override
        public void push(byte[] utf8Json) {
            writeText(utf8Json);
        }

        @Override
        public void push(Publication publication) {
            // the envelope's whole text frame, encoded once per publication and shared
            writeShared(publication.encoded(SharedFrames.ENVELOPE));
        }

        @Override
        public void push(PresenceEvent event) {
            writeShared(event.encoded(SharedFrames.PRESENCE_EVENT)); // one frame for every recipient
        }

        @Override
        public void onEventLoop(Runnable task) {
            ProtocolWebSocketTransport.this.onEventLoop(task);
        }

        @Override
        public void deadline(Duration delay, Disconnect reason) {
            ProtocolWebSocketTransport.this.deadline(delay, reason);
        }

        @Override
        public long authenticated(Principal principal, Duration grace) {
            return ProtocolWebSocketTransport.this.authenticated(principal); // the same auth.expiry-grace, from access
        }

        @Override
        public void violation(Disconnect reason) {
            ProtocolWebSocketTransport.this.violation(reason);
        }
    }

    /** Its envelopes carry {@code "conflated":n} (docs/protocol.md, "Conflation"). */
    @Override
    public boolean showsConflation() {
        return true;
    }

    @Override
    protected void started(Session session) {
        // Nothing until the first command; with access control on, that must be connect within auth.timeout.
        protocol.started();
    }

    @Override
    protected void textReceived(TextWebSocketFrame frame) {
        protocol.text(frame.content());
    }

    @Override
    protected void binaryReceived(BinaryWebSocketFrame frame) {
        protocol.binary();
    }

    @Override
    protected void writeSubscribed(Subscribed notice) {
        protocol.subscribed(notice);
    }

    @Override
    protected void writePublication(Publication publication) {
        protocol.publication(publication);
    }

    /** A join or leave event of a live channel: its JSON in one text frame, shared (docs/protocol.md, "Presence"). */
    @Override
    protected void writePresenceEvent(PresenceEvent event) {
        protocol.presenceEvent(event);
    }

    @Override
    protected void writeGoodbye(Disconnect reason) {
        channel.write(textFrame(CommandProtocol.goodbye(reason)), channel.voidPromise());
        writeCloseFrame(reason, reason.reason());
    }
}
