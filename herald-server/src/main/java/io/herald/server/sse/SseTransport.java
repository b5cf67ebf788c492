package io.herald.server.sse;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.http.Json;
import io.herald.server.transport.StreamTransport;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
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
 * the code and reconnect advice. One instance per connection, used on its event loop.
 */
public final class SseTransport extends StreamTransport {
    /** The media type of an event stream. */
    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    private static final byte[] HEARTBEAT = ":\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Duration retry;

    /**
     * @param channel the connection
     * @param retry   the reconnection time to advise with {@code retry:}
     */
    public SseTransport(Channel channel, Duration retry) {
        super(channel);
        this.retry = retry;
    }

    @Override
    public String name() {
        return "sse";
    }

    @Override
    public boolean unidirectional() {
        return true;
    }

    @Override
    protected void writePrelude() {
        writeText("retry: " + retry.toMillis() + "\n\n");
    }

    /** The event as a whole HTTP chunk, encoded once per publication and shared by every SSE subscriber. */
    static final Publication.Encoding<ByteBuf> CHUNK = Publication.Encoding.of("sse-chunk",
            p -> SharedBytes.chunk(p.encoded(SseEncoder.EVENT)));

    @Override
    protected void writePublication(Publication publication) {
        writeSharedChunk(publication.encoded(CHUNK), publication.encoded(SseEncoder.EVENT));
    }

    @Override
    protected void writeSubscribed(Subscribed notice) {
        if (notice.reset()) {
            String id = notice.position().id();
            writeText(SseEncoder.control("herald-reset", id,
                    "{\"channel\":" + Json.quote(notice.channel()) + ",\"reset\":true,\"id\":\"" + id + "\"}"));
        }
    }

    @Override
    protected void writeHeartbeat() {
        writeBytes(HEARTBEAT);
    }

    @Override
    protected String goodbyeText(Disconnect reason) {
        return SseEncoder.control("herald-disconnect", null, disconnectJson(reason));
    }
}
