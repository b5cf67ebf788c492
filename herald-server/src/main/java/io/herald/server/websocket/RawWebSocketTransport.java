package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.WireErrors;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw WebSocket transport, {@code GET /ws/{channel}[?since=ID]}: one channel per socket, one
 * frame per publication holding the payload as is, the way a browser's {@code onmessage} expects.
 *
 * <h2>Server to client</h2>
 * <ul>
 *   <li>Each publication is one frame (RFC 6455, section 5.6): a text frame ({@code opcode 0x1}) for
 *       text and JSON payloads, a binary frame ({@code 0x2}) for binary ones. The whole frame is
 *       encoded once per publication ({@link SharedFrames#RAW}) and the same bytes are written to
 *       every raw subscriber; nothing is framed or copied per subscriber.</li>
 *   <li>Frames carry no id. A client that wants to resume learns a position first (the
 *       {@code next} of {@code GET /history/{channel}?limit=0}, or the {@code since=} of a close
 *       reason), connects with {@code ?since=ID} and counts frames: offsets are contiguous, so
 *       after {@code n} frames its position is the same epoch at offset + {@code n}.</li>
 *   <li>When the client gave {@code since} and it cannot be served (older than history, other
 *       epoch, ahead of the stream), the first frame is the reset signal, a text frame
 *       {@code {"reset":true,"channel":"c","id":"CURRENT-ID"}}; counting restarts from that id.
 *       Without {@code since} the route resumes from the channel's top read before the
 *       {@code 101} (when the namespace keeps history), so nothing precedes the first
 *       publication unless the stream was lost in between.</li>
 *   <li>A ping frame every heartbeat interval (section 5.5.2); browsers answer with pongs.</li>
 *   <li>When the server ends the session it sends a close frame (section 5.5.1) with the
 *       {@link Disconnect} code and as reason its text, followed for codes that advise
 *       reconnecting by {@code " since=ID"}: the id of the last publication written, else the
 *       position the subscription started from (e.g. {@code 4000 "slow consumer: outbound queue
 *       full since=k3x9ab-42"}), among them {@code 4004 "token expired since=ID"} when access
 *       control is on and the token's {@code exp} plus {@code auth.expiry-grace} has passed.</li>
 * </ul>
 *
 * <h2>Client to server</h2>
 * A text message publishes a text payload, a binary message a binary payload, with event
 * {@code message}, where the channel's namespace allows client publishing. There is no reply to
 * carry a refusal or failure, so it closes the socket with the code {@link WireErrors#disconnectFor}
 * gives: {@code 1008} where the namespace forbids client publishing, {@code 1011} when the broker
 * did not store it or the server is overloaded, {@code 1001} while shutting down. Messages over the
 * payload limit are closed with {@code 1009} by the frame decoder. Messages over the publication
 * rate ({@code limits.ws.publish-rate}) are dropped unpublished, and the third drop within 10 s
 * closes the socket with {@code 4429} ({@link FloodGuard}).
 *
 * <p>One instance per connection; all methods but {@link #close} run on its event loop.
 *
 * <p>Wire contract: docs/protocol.md, "WebSocket, raw".
 */
final class RawWebSocketTransport extends WebSocketTransport {
    private static final Logger log = LoggerFactory.getLogger(RawWebSocketTransport.class);

    private final String channelName;
    private final StreamPosition since;
    /** Who the upgrade request came from (checked before the upgrade); anonymous when access control is off. */
    private final Principal principal;
    private String lastId;
    /** The last publication written, whose id is the resume position (computed only when needed). */
    private Publication lastPublication;

    /**
     * @param channel     the upgraded connection
     * @param node        the node
     * @param heartbeat   the ping interval
     * @param channelName the validated channel to subscribe and publish to
     * @param since       the position to resume after, or null for live publications only
     * @param access      access control; when on, the session ends when {@code principal}'s token expires
     * @param principal   who the upgrade request came from, already allowed to subscribe
     * @param flood       the socket's rate limits (its messages count as publications)
     */
    RawWebSocketTransport(Channel channel, Node node, Duration heartbeat, String channelName, StreamPosition since,
                          WebSocketAccess access, Principal principal, FloodGuard flood) {
        super(channel, node, heartbeat, access, flood);
        this.channelName = channelName;
        this.since = since;
        this.principal = principal;
        this.lastId = since == null ? null : since.id();
    }

    @Override
    protected void started(Session session) {
        if (access.enabled()) {
            authenticated(principal);
        }
        node.subscribe(session, channelName, since).whenComplete((notice, error) -> {
            if (error != null) {
                ErrorCode code = WireErrors.failure(error, "raw WebSocket subscribe to " + channelName).code();
                session.disconnect(WireErrors.disconnectFor(code));
            }
        });
    }

    /** The whole frame, encoded once per publication and shared by every raw subscriber (see {@link SharedFrames}). */
    @Override
    protected void writePublication(Publication publication) {
        writeShared(publication.encoded(SharedFrames.RAW));
        lastPublication = publication;
    }

    @Override
    protected void writeSubscribed(Subscribed notice) {
        String id = notice.position().id();
        lastId = id;
        lastPublication = null;
        if (notice.reset() && since != null) {
            writeText(Envelopes.reset(notice.channel(), notice.position()).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void textReceived(TextWebSocketFrame frame) {
        byte[] bytes = ByteBufUtil.getBytes(frame.content());
        publish(new Payload(Payload.Kind.TEXT, "text/plain; charset=utf-8", bytes));
    }

    @Override
    protected void binaryReceived(BinaryWebSocketFrame frame) {
        publish(Payload.binary(ByteBufUtil.getBytes(frame.content())));
    }

    /**
     * Publishes a message of the client; a refusal or failure closes the socket ({@link WireErrors#disconnectFor}).
     * Over the publication rate the message is dropped, and the third drop within 10 s closes the
     * socket with 4429 ({@link FloodGuard}).
     */
    private void publish(Payload payload) {
        long now = System.nanoTime();
        if (!flood.publish(now)) {
            log.debug("raw WebSocket publish to {} dropped: over the publication rate", channelName);
            if (flood.strike(now)) {
                violation(Disconnect.TOO_MANY_REQUESTS);
            }
            return;
        }
        node.publishFromClient(session(), channelName, null, payload).whenComplete((p, error) -> {
            if (error != null) {
                HeraldException e = WireErrors.failure(error, "raw WebSocket publish to " + channelName);
                log.debug("raw WebSocket publish to {} refused: {}", channelName, e.getMessage());
                violation(WireErrors.disconnectFor(e.code()));
            }
        });
    }

    @Override
    protected void writeGoodbye(Disconnect reason) {
        String text = reason.reason();
        String since = lastPublication != null ? lastPublication.id() : lastId;
        if (reason.reconnect() && since != null) {
            text += " since=" + since;
        }
        writeCloseFrame(reason, text);
    }
}
