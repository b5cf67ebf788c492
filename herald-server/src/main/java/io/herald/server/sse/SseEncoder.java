package io.herald.server.sse;

import io.herald.core.Names;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.codec.Envelopes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Encodes publications as {@code text/event-stream} events (WHATWG HTML standard, section 9.2
 * "Server-sent events", "Parsing an event stream").
 *
 * <p>An event is {@code id: EPOCH-OFFSET}, then {@code event: TYPE} unless the type is
 * {@code message} (the default the browser dispatches to {@code onmessage}), then one
 * {@code data: } line per payload line (LF, CR and CRLF all end a line, so each becomes its own
 * field and the browser joins them with LF), then an empty line. Binary payloads, which an event
 * stream cannot carry, are sent base64-encoded on one line. Stateless and thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Server-Sent Events".
 */
public final class SseEncoder {
    /** The encoded event, cached on the publication and shared by all SSE subscribers. */
    public static final Publication.Encoding<byte[]> EVENT = Publication.Encoding.of("sse", SseEncoder::encode);

    /**
     * The event of {@code ?format=envelope}: {@code id:} and one {@code data:} line holding the JSON
     * envelope (always one line), with no {@code event:} field, so one {@code onmessage} handler sees
     * every event type, the offset and the payload's kind. Cached on the publication.
     */
    public static final Publication.Encoding<byte[]> ENVELOPE_EVENT =
            Publication.Encoding.of("sse-envelope", SseEncoder::encodeEnvelope);

    /**
     * The shared part of an event of a request of several channels (docs/protocol.md, "Several
     * channels on one request"): {@code event: TYPE} (omitted for {@code message}) and one
     * {@code data:} line holding the envelope, which names the channel; each session follows it
     * with its own {@code id: CURSOR} and the blank line. Cached on the publication.
     */
    public static final Publication.Encoding<byte[]> MULTI_EVENT =
            Publication.Encoding.of("sse-multi", SseEncoder::encodeMulti);

    /**
     * The same with {@code format=envelope}: only the {@code data:} line, no {@code event:} line, so
     * that {@code EventSource.onmessage} sees every event type (the envelope names it), as on the
     * single-channel endpoint. Cached on the publication.
     */
    public static final Publication.Encoding<byte[]> MULTI_ENVELOPE_EVENT =
            Publication.Encoding.of("sse-multi-envelope", p -> encodeMulti(p, false));

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_FIELD = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseEncoder() {
    }

    static byte[] encode(Publication p) {
        Payload data = p.data();
        byte[] bytes = data.kind() == Payload.Kind.BINARY
                ? Base64.getEncoder().encode(data.bytes())
                : data.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        out.writeBytes(ID);
        out.writeBytes(p.id().getBytes(StandardCharsets.US_ASCII));
        out.write('\n');
        if (!Names.DEFAULT_EVENT.equals(p.event())) {
            out.writeBytes(EVENT_FIELD);
            out.writeBytes(p.event().getBytes(StandardCharsets.US_ASCII));
            out.write('\n');
        }
        int start = 0;
        int i = 0;
        while (i <= bytes.length) {
            if (i == bytes.length || bytes[i] == '\n' || bytes[i] == '\r') {
                out.writeBytes(DATA);
                out.write(bytes, start, i - start);
                out.write('\n');
                if (i < bytes.length && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
            i++;
        }
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] encodeEnvelope(Publication p) {
        byte[] envelope = p.encoded(Envelopes.ENVELOPE);
        ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length + 64);
        out.writeBytes(ID);
        out.writeBytes(p.id().getBytes(StandardCharsets.US_ASCII));
        out.write('\n');
        out.writeBytes(DATA);
        out.writeBytes(envelope);
        out.write('\n');
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] encodeMulti(Publication p) {
        return encodeMulti(p, true);
    }

    private static byte[] encodeMulti(Publication p, boolean eventLine) {
        byte[] envelope = p.encoded(Envelopes.ENVELOPE);
        ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length + 32);
        if (eventLine && !Names.DEFAULT_EVENT.equals(p.event())) {
            out.writeBytes(EVENT_FIELD);
            out.writeBytes(p.event().getBytes(StandardCharsets.US_ASCII));
            out.write('\n');
        }
        out.writeBytes(DATA);
        out.writeBytes(envelope);
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * A named event without a publication (reset or disconnect notices): {@code event:}, optional
     * {@code id:}, one {@code data:} line of JSON, and the blank line.
     *
     * @param event the event type, e.g. {@code herald-reset}
     * @param id    the id to set as the browser's last event id, or null to leave it unchanged
     * @param json  one line of JSON
     */
    public static String control(String event, String id, String json) {
        return "event: " + event + "\n" + (id == null ? "" : "id: " + id + "\n") + "data: " + json + "\n\n";
    }
}
