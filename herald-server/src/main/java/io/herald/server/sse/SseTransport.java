package io.herald.server.sse;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.WireErrors;
import io.herald.server.transport.StreamTransport;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Server-Sent Events transport, {@code GET /sse/{channel}}: one {@code text/event-stream}
 * response per subscriber (WHATWG HTML standard, section 9.2).
 *
 * <p>The stream starts with {@code retry:}; each publication is an event whose {@code id:} the
 * browser sends back as {@code Last-Event-ID} when it reconnects, which resumes the stream. A
 * position that cannot be served is announced with {@code event: herald-reset} carrying the
 * current id (which also becomes the browser's last event id). Heartbeats are comment lines
 * ({@code :}). Before the server ends the stream it sends {@code event: herald-disconnect} with
 * the code and reconnect advice.
 *
 * <p>Two opt-in query parameters serve script clients such as {@code herald.js}, which cannot see
 * comments nor events of types they did not name: {@code format=envelope} sends each publication
 * as an unnamed event whose data is its JSON envelope ({@link SseEncoder#ENVELOPE_EVENT}), and
 * {@code heartbeat=event} sends each heartbeat as {@code event: herald-heartbeat} with
 * {@code data: {}}, one of them right after {@code retry:}, so a client can tell a flowing stream
 * from one held back by a buffering proxy. One instance per connection, used on its event loop.
 *
 * <p>Wire contract: docs/protocol.md, "Server-Sent Events".
 */
public final class SseTransport extends StreamTransport {
    /** The media type of an event stream. */
    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";

    /** The event as a whole HTTP chunk, encoded once per publication and shared by every SSE subscriber. */
    static final Publication.Encoding<ByteBuf> CHUNK = Publication.Encoding.of("sse-chunk",
            p -> SharedBytes.chunk(p.encoded(SseEncoder.EVENT)));

    /** The same for {@code ?format=envelope} streams: the envelope event as a whole HTTP chunk. */
    static final Publication.Encoding<ByteBuf> ENVELOPE_CHUNK = Publication.Encoding.of("sse-envelope-chunk",
            p -> SharedBytes.chunk(p.encoded(SseEncoder.ENVELOPE_EVENT)));
    /** The shared part of an event of a request of several channels as a whole HTTP chunk ({@link SseEncoder#MULTI_EVENT}). */
    static final Publication.Encoding<ByteBuf> MULTI_CHUNK = Publication.Encoding.of("sse-multi-chunk",
            p -> SharedBytes.chunk(p.encoded(SseEncoder.MULTI_EVENT)));
    /** The same for {@code ?format=envelope} on several channels ({@link SseEncoder#MULTI_ENVELOPE_EVENT}). */
    static final Publication.Encoding<ByteBuf> MULTI_ENVELOPE_CHUNK = Publication.Encoding.of("sse-multi-envelope-chunk",
            p -> SharedBytes.chunk(p.encoded(SseEncoder.MULTI_ENVELOPE_EVENT)));
    private static final byte[] HEARTBEAT = ":\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT_EVENT = SseEncoder.control("herald-heartbeat", null, "{}")
            .getBytes(StandardCharsets.US_ASCII);

    private final boolean envelopes;
    private final boolean heartbeatEvents;

    /**
     * @param channel         the connection
     * @param prelude         the stream's first bytes, {@link #prelude(Duration, boolean)}
     * @param envelopes       whether publications are sent as envelopes ({@code format=envelope})
     * @param heartbeatEvents whether heartbeats are {@code herald-heartbeat} events ({@code heartbeat=event})
     */
    public SseTransport(Channel channel, byte[] prelude, boolean envelopes, boolean heartbeatEvents) {
        super(channel, prelude);
        this.envelopes = envelopes;
        this.heartbeatEvents = heartbeatEvents;
    }

    /**
     * {@code retry: MILLIS} and a blank line: the reconnection time the browser should use; with
     * {@code heartbeatEvents}, a first heartbeat event follows at once.
     */
    public static byte[] prelude(Duration retry, boolean heartbeatEvents) {
        String retryField = "retry: " + retry.toMillis() + "\n\n";
        String first = heartbeatEvents ? new String(HEARTBEAT_EVENT, StandardCharsets.US_ASCII) : "";
        return (retryField + first).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return "sse";
    }

    /**
     * With {@code format=envelope}, and on a request of several channels (always envelopes), whose
     * envelopes carry {@code "conflated":n}; a plain event stream cannot say it to an
     * {@code EventSource}, so its slow sessions are disconnected instead (docs/protocol.md, "Conflation").
     */
    @Override
    public boolean showsConflation() {
        return envelopes || cursor() != null;
    }

    /**
     * On a request of several channels: the event's shared bytes ({@link SseEncoder#MULTI_EVENT},
     * framed once per publication) and this session's {@code id: CURSOR} line ending the event, as
     * a small chunk of its own.
     */
    @Override
    protected void writeEvent(Publication publication) {
        if (cursor() != null && envelopes) {
            writeSharedChunk(publication.encoded(MULTI_ENVELOPE_CHUNK), publication.encoded(SseEncoder.MULTI_ENVELOPE_EVENT));
            writeBytes(cursor().idLine(true));
        } else if (cursor() != null) {
            writeSharedChunk(publication.encoded(MULTI_CHUNK), publication.encoded(SseEncoder.MULTI_EVENT));
            writeBytes(cursor().idLine(true));
        } else if (envelopes) {
            writeSharedChunk(publication.encoded(ENVELOPE_CHUNK), publication.encoded(SseEncoder.ENVELOPE_EVENT));
        } else {
            writeSharedChunk(publication.encoded(CHUNK), publication.encoded(SseEncoder.EVENT));
        }
    }

    /** {@code event: herald-reset} whose {@code id:} is the channel's current id, or the cursor holding it. */
    @Override
    protected void writeReset(Subscribed notice) {
        String id = cursor() != null ? cursor().toString() : notice.position().id();
        writeText(SseEncoder.control("herald-reset", id, Envelopes.reset(notice.channel(), notice.position())));
    }

    /** The start cursor: an event of only {@code id: CURSOR}, which sets the browser's last event id and dispatches nothing. */
    @Override
    protected void writeCursor() {
        writeBytes(cursor().idLine(true));
    }

    @Override
    protected void writeHeartbeat() {
        writeBytes(heartbeatEvents ? HEARTBEAT_EVENT : HEARTBEAT);
    }

    @Override
    protected String goodbyeText(Disconnect reason) {
        return SseEncoder.control("herald-disconnect", null, WireErrors.disconnectJson(reason));
    }
}
