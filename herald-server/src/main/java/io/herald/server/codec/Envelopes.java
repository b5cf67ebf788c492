package io.herald.server.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.hub.Subscribed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * The JSON envelope of a publication (docs/protocol.md, "Envelope"), encoded once per publication and
 * shared by every JSON-speaking transport (polling, long polling, XHR streaming, the WebSocket
 * protocol, history):
 * {@code {"channel":"c","id":"e-42","offset":42,"epoch":"e","event":"message","data":<payload>,"time":1732190000000}}.
 *
 * <p>JSON payloads are embedded as their JSON value, re-serialized compactly so an envelope is
 * always one line; text payloads become a JSON string; binary payloads go base64 in
 * {@code data_b64}. Stateless and thread-safe.
 */
public final class Envelopes {
    /** The shared factory; thread-safe. */
    public static final JsonFactory JSON = new JsonFactory();

    /** The envelope as UTF-8 JSON bytes, cached on the publication. Do not modify the array. */
    public static final Publication.Encoding<byte[]> ENVELOPE = Publication.Encoding.of("envelope", Envelopes::encode);

    /** The envelope escaped for an HTML script context ({@link #scriptSafe}), cached on the publication. */
    public static final Publication.Encoding<byte[]> SCRIPT_SAFE_ENVELOPE =
            Publication.Encoding.of("envelope-script", p -> scriptSafe(p.encoded(ENVELOPE)));

    private Envelopes() {
    }

    /** Encodes {@code p}'s envelope; use {@code p.encoded(ENVELOPE)} to get the shared copy. */
    static byte[] encode(Publication p) {
        ByteArrayBuilder out = new ByteArrayBuilder(p.data().size() + 160);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("channel", p.channel());
            g.writeStringField("id", p.id());
            g.writeNumberField("offset", p.offset());
            g.writeStringField("epoch", p.epoch());
            g.writeStringField("event", p.event());
            writeData(g, p.data());
            g.writeNumberField("time", p.time());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@code "data":...} or {@code "data_b64":"..."} for a payload. */
    public static void writeData(JsonGenerator g, Payload data) throws IOException {
        switch (data.kind()) {
            case JSON -> {
                g.writeFieldName("data");
                try (JsonParser parser = JSON.createParser(data.bytes())) {
                    // Exact copy: copyCurrentStructure reads floats as doubles (2.50 -> 2.5, 1e400 -> "Infinity").
                    while (parser.nextToken() != null) {
                        g.copyCurrentEventExact(parser);
                    }
                }
            }
            case TEXT -> g.writeStringField("data", data.text());
            case BINARY -> g.writeStringField("data_b64", Base64.getEncoder().encodeToString(data.bytes()));
        }
    }

    /**
     * Checks that {@code bytes} hold exactly one JSON value (RFC 8259).
     *
     * @throws HeraldException {@code invalid_json} otherwise
     */
    public static void checkJson(byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() == null) {
                throw new HeraldException(ErrorCode.INVALID_JSON, "body is empty (expected: one JSON value)");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new HeraldException(ErrorCode.INVALID_JSON, "body holds more than one JSON value");
            }
        } catch (IOException e) {
            throw new HeraldException(ErrorCode.INVALID_JSON, "body is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Escapes JSON bytes for an HTML {@code <script>} element: {@code <}, {@code >}, {@code &},
     * U+2028 and U+2029 become {@code \\u} escapes. These characters can occur only inside JSON
     * strings, so the result is the same JSON value, and no payload can close the script element
     * or break a JavaScript string literal.
     */
    public static byte[] scriptSafe(byte[] json) {
        int extra = 0;
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (b == '<' || b == '>' || b == '&') {
                extra += 5;
            } else if (isLineSeparator(json, i)) {
                extra += 3;
            }
        }
        if (extra == 0) {
            return json;
        }
        byte[] out = new byte[json.length + extra];
        int o = 0;
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (b == '<' || b == '>' || b == '&') {
                o = writeEscape(out, o, b);
            } else if (isLineSeparator(json, i)) {
                o = writeEscape(out, o, json[i + 2] == (byte) 0xA8 ? 0x2028 : 0x2029);
                i += 2;
            } else {
                out[o++] = b;
            }
        }
        return out;
    }

    private static boolean isLineSeparator(byte[] s, int i) {
        return s[i] == (byte) 0xE2 && i + 2 < s.length && s[i + 1] == (byte) 0x80
                && (s[i + 2] == (byte) 0xA8 || s[i + 2] == (byte) 0xA9);
    }

    private static int writeEscape(byte[] out, int o, int ch) {
        final String hex = "0123456789abcdef";
        out[o++] = '\\';
        out[o++] = 'u';
        out[o++] = (byte) hex.charAt((ch >> 12) & 0xF);
        out[o++] = (byte) hex.charAt((ch >> 8) & 0xF);
        out[o++] = (byte) hex.charAt((ch >> 4) & 0xF);
        out[o++] = (byte) hex.charAt(ch & 0xF);
        return o;
    }

    /**
     * Writes a history page body: {@code {"messages":[envelope...],"next":"ID","reset":false}}.
     *
     * @param publications the page's publications, in order; their shared envelopes are copied in
     * @param next         the id to poll from next
     * @param reset        whether the requested position could not be served
     */
    public static byte[] page(java.util.List<Publication> publications, StreamPosition next, boolean reset) {
        return page(publications, next.id(), reset);
    }

    /**
     * Writes a page body: {@code {"messages":[ITEM...],"next":"NEXT","reset":bool}}, where an item is
     * a publication's shared envelope, or, on a request of several channels, a reset item
     * ({@link #reset}) for a {@link Subscribed} reset notice or a reset {@link String} already
     * written (docs/protocol.md, "Several channels on one request").
     *
     * @param items a page's items, in order: {@link Publication}s, {@link Subscribed} resets, reset JSON strings
     * @param next  the id (one channel) or cursor (several) to poll from next; {@code [a-z0-9,-]} only
     * @param reset whether a requested position could not be served
     */
    public static byte[] page(java.util.List<?> items, String next, boolean reset) {
        int size = 48 + next.length();
        for (Object item : items) {
            size += (item instanceof Publication p ? p.encoded(ENVELOPE).length : 96) + 1;
        }
        ByteArrayBuilder out = new ByteArrayBuilder(size);
        out.write(MESSAGES_OPEN);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object item = items.get(i);
            if (item instanceof Publication p) {
                out.write(p.encoded(ENVELOPE));
            } else {
                String json = item instanceof Subscribed n ? reset(n.channel(), n.position()) : (String) item;
                out.write(json.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        out.write(("],\"next\":\"" + next + "\",\"reset\":" + reset + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * The reset signal of the streaming transports (docs/protocol.md, "Reset signal"):
     * {@code {"reset":true,"channel":"c","id":"CURRENT-ID"}}; safe in a script element.
     *
     * @param channel the channel whose requested position could not be served (a valid name)
     * @param current the stream's current position, to resume from
     */
    public static String reset(String channel, StreamPosition current) {
        // A valid channel name ([A-Za-z0-9_.:@-]) and an id need no escaping, in JSON or in a script.
        return "{\"reset\":true,\"channel\":\"" + channel + "\",\"id\":\"" + current.id() + "\"}";
    }

    /**
     * The start cursor of a streaming request of several channels (docs/protocol.md, "Several
     * channels on one request"): {@code {"cursor":"CURSOR"}}; a cursor is {@code [a-z0-9,-]} only, safe in
     * JSON and in a script.
     */
    public static String cursor(Cursor cursor) {
        return "{\"cursor\":\"" + cursor + "\"}";
    }

    private static final byte[] MESSAGES_OPEN = "{\"messages\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
}
