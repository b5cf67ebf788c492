package io.herald.server.sse;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.transport.StreamTransport;
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

    /**
     * @param channel the connection
     * @param prelude the stream's first bytes, {@link #prelude(Duration)}
     */
    public SseTransport(Channel channel, byte[] prelude) {
        super(channel, prelude);
    }

    /** {@code retry: MILLIS} and a blank line: the reconnection time the browser should use. */
    public static byte[] prelude(Duration retry) {
        return ("retry: " + retry.toMillis() + "\n\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return "sse";
    }

    @Override
    protected void writePublication(Publication publication) {
        writeBytes(publication.encoded(SseEncoder.EVENT));
    }

    @Override
    protected void writeSubscribed(Subscribed notice) {
        if (notice.reset()) {
            String id = notice.position().id();
            writeText(SseEncoder.control("herald-reset", id, Envelopes.reset(notice.channel(), notice.position())));
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
