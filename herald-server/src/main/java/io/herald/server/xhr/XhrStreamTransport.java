package io.herald.server.xhr;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.WireErrors;
import io.herald.server.transport.StreamTransport;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;

/**
 * The XHR-streaming transport, {@code GET /stream/{channel}}: one chunked
 * {@code application/x-ndjson} response per subscriber (newline-delimited JSON; chunked transfer
 * coding per RFC 9112, section 7.1), read incrementally by {@code XMLHttpRequest} progress events
 * or a {@code fetch} body reader.
 *
 * <p>The wire, line by line:
 * <pre>
 * (paddingBytes spaces)                                     prelude, so browsers and proxies start delivering
 * {"channel":"c","id":"e-1",...}                            one envelope per publication
 * {"reset":true,"channel":"c","id":"e-20"}                  when the requested position cannot be served
 * (empty line)                                              heartbeat
 * {"disconnect":{"code":1001,"reason":"shutdown","reconnect":true}}   goodbye, then the response ends
 * </pre>
 * Each envelope is the publication's shared {@link Envelopes#ENVELOPE} bytes, written with the
 * newline as one chunk without copying. The client resumes with {@code ?since=} the last id it
 * read. One instance per connection, used on its event loop.
 *
 * <p>Wire contract: docs/protocol.md, "XHR streaming".
 */
public final class XhrStreamTransport extends StreamTransport {
    /** The media type of the stream. */
    public static final String CONTENT_TYPE = "application/x-ndjson; charset=utf-8";
    private static final byte[] NEWLINE = {'\n'};

    /** The envelope line as a whole HTTP chunk, encoded once per publication and shared. */
    static final Publication.Encoding<io.netty.buffer.ByteBuf> CHUNK = Publication.Encoding.of("xhr-chunk",
            p -> io.herald.server.transport.SharedBytes.chunk(p.encoded(Envelopes.ENVELOPE), NEWLINE));


    /**
     * @param channel the connection
     * @param prelude the padding line, shared by every connection and never modified
     */
    public XhrStreamTransport(Channel channel, byte[] prelude) {
        super(channel, prelude);
    }

    /** The padding line: {@code paddingBytes} spaces and a newline. */
    public static byte[] prelude(int paddingBytes) {
        return (" ".repeat(paddingBytes) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return "xhr-streaming";
    }

    @Override
    protected void writeEvent(Publication publication) {
        writeSharedChunk(publication.encoded(CHUNK), publication.encoded(Envelopes.ENVELOPE), NEWLINE);
    }

    @Override
    protected void writeReset(Subscribed notice) {
        writeText(Envelopes.reset(notice.channel(), notice.position()) + "\n");
    }

    /** The start cursor of a request of several channels: the line {@code {"cursor":"CURSOR"}}. */
    @Override
    protected void writeCursor() {
        writeText(Envelopes.cursor(cursor()) + "\n");
    }

    @Override
    protected void writeHeartbeat() {
        writeBytes(NEWLINE);
    }

    @Override
    protected String goodbyeText(Disconnect reason) {
        return "{\"disconnect\":" + WireErrors.disconnectJson(reason) + "}\n";
    }
}
