package io.herald.server.sockjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.core.Publication;
import io.herald.server.codec.Envelopes;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SockJS's JSON: messages travel as JSON strings inside frames ({@code a["m1","m2"]}), and the
 * server escapes, besides what JSON requires, the characters browsers mangle: the C0 controls,
 * U+200C..U+200F, U+2028..U+202F, U+2060..U+206F, U+FFF0..U+FFFF and the surrogates, as
 * {@code \}{@code uXXXX} in lower-case hex (docs/protocol.md, "SockJS"). Stateless; thread-safe.
 */
final class SockJsJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** A publication's envelope as one SockJS message and its frames, encoded once per publication and shared. */
    static final Publication.Encoding<Shared> MESSAGE = Publication.Encoding.of("sockjs-message",
            p -> new Shared(quote(new String(p.encoded(Envelopes.ENVELOPE), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));

    /**
     * One publication's SockJS forms, the same for every SockJS session (docs/protocol.md, "SockJS"):
     * the message (the envelope as a JSON string literal), the message frame carrying it alone
     * ({@code a["..."]}) and, made on first use by a WebSocket session, that frame as a whole
     * WebSocket text frame (RFC 6455, section 5.2) for {@link io.herald.server.transport.FramedWrites}.
     * Nothing in it needs releasing (the WebSocket frame is {@link SharedBytes}). Thread-safe: two
     * threads may both make the WebSocket frame on first use; either result is the same bytes.
     */
    static final class Shared {
        /** The message literal, UTF-8; do not modify. */
        final byte[] literal;
        /** {@code a[literal]}, UTF-8; do not modify. */
        final byte[] frame;
        private volatile ByteBuf webSocketFrame;

        Shared(byte[] literal) {
            this.literal = literal;
            this.frame = new byte[literal.length + 3];
            frame[0] = 'a';
            frame[1] = '[';
            System.arraycopy(literal, 0, frame, 2, literal.length);
            frame[frame.length - 1] = ']';
        }

        /** {@link #frame} as a whole WebSocket text frame (shared, unreleasable: write a {@link SharedBytes#view}). */
        ByteBuf webSocketFrame() {
            ByteBuf f = webSocketFrame;
            if (f == null) {
                f = SharedBytes.frame(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)));
                webSocketFrame = f;
            }
            return f;
        }
    }

    private SockJsJson() {
    }

    /** {@code text} as a JSON string literal, quotes included, with SockJS's escapes. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (escaped(c)) {
                        out.append("\\u").append(HEX[c >> 12 & 15]).append(HEX[c >> 8 & 15])
                                .append(HEX[c >> 4 & 15]).append(HEX[c & 15]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static boolean escaped(char c) {
        return c < 0x20
                || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x2060 && c <= 0x206f)
                || c >= 0xfff0 || Character.isSurrogate(c);
    }

    /**
     * The messages of a body the client sent: a JSON array of strings ({@code xhr_send},
     * {@code jsonp_send}), or on WebSocket also a single JSON string.
     *
     * @param single whether a lone string is accepted (WebSocket)
     * @return the messages, possibly none
     * @throws IllegalArgumentException when it is not such JSON ("Broken JSON encoding.")
     */
    static List<String> messages(byte[] body, boolean single) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("Broken JSON encoding.");
        }
        List<String> out = new ArrayList<>();
        if (node != null && node.isTextual() && single) {
            out.add(node.textValue());
            return out;
        }
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("Broken JSON encoding.");
        }
        for (JsonNode m : node) {
            if (!m.isTextual()) {
                throw new IllegalArgumentException("Broken JSON encoding.");
            }
            out.add(m.textValue());
        }
        return out;
    }

    /** The text of one message literal made by {@link #quote} (for the raw WebSocket, which sends messages unframed). */
    static String unquote(byte[] literal) {
        try {
            return MAPPER.readTree(literal).textValue();
        } catch (IOException e) {
            throw new IllegalStateException("not a message literal", e);
        }
    }
}
