package io.herald.redis;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Payload;
import io.herald.core.Publication;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How publications are stored in Redis and carried over its pub/sub: a body, kept in the history
 * stream's {@code d} field, of one byte for the {@link Payload.Kind} ({@code J}, {@code T},
 * {@code B}), the event, {@code \n}, the content type, {@code \n}, then the data bytes as
 * published; a publication with a conflation key (docs/protocol.md, "Conflation") has
 * {@code K}, the key and {@code \n} before that (a key has no line break, and {@code K} is no kind
 * byte, so bodies without a key are as before); and a pub/sub message, {@code H1 <offset> <epoch> <time ms>\n} followed by the body.
 * Stateless.
 */
final class Wire {
    /** The first byte of a body that starts with a conflation key. */
    private static final char KEY_MARK = 'K';
    private static final byte[] MESSAGE_MAGIC = "H1 ".getBytes(StandardCharsets.US_ASCII);

    private Wire() {
    }

    /**
     * The stored body of a publication.
     *
     * @param key its conflation key (valid per {@link io.herald.core.Names#isPublicationKey}), or null for none
     * @throws HeraldException {@code invalid_parameter} when the content type contains a line break
     */
    static byte[] body(String event, Payload data, String key) {
        String type = data.contentType();
        if (type.indexOf('\n') >= 0 || type.indexOf('\r') >= 0) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, "content type (expected: no line break)");
        }
        String keyed = key == null ? "" : KEY_MARK + key + "\n";
        byte[] head = (keyed + kindByte(data.kind()) + event + "\n" + type + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(head, head.length + data.bytes().length);
        System.arraycopy(data.bytes(), 0, body, head.length, data.bytes().length);
        return body;
    }

    /** The publication a stored body makes, with its place in the stream. */
    static Publication publication(String channel, long offset, String epoch, long time, byte[] body, int from) {
        String key = null;
        if (from < body.length && body[from] == KEY_MARK) {
            int keyEnd = indexOf(body, from + 1);
            if (keyEnd < 0) {
                throw new IllegalArgumentException("not a Herald publication body");
            }
            key = new String(body, from + 1, keyEnd - from - 1, StandardCharsets.US_ASCII);
            from = keyEnd + 1;
        }
        int eventEnd = indexOf(body, from + 1);
        int typeEnd = indexOf(body, eventEnd + 1);
        if (eventEnd < 0 || typeEnd < 0) {
            throw new IllegalArgumentException("not a Herald publication body");
        }
        String event = new String(body, from + 1, eventEnd - from - 1, StandardCharsets.UTF_8);
        String type = new String(body, eventEnd + 1, typeEnd - eventEnd - 1, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(body, typeEnd + 1, body.length);
        Payload payload = new Payload(kind(body[from]), type, data);
        return new Publication(channel, offset, epoch, event, payload, time, key);
    }

    /**
     * The publication a pub/sub message carries.
     *
     * @throws IllegalArgumentException when the message is not of the form the publish script writes
     */
    static Publication message(String channel, byte[] message) {
        int headEnd = indexOf(message, 0);
        if (headEnd < 0 || !Arrays.equals(message, 0, MESSAGE_MAGIC.length, MESSAGE_MAGIC, 0, MESSAGE_MAGIC.length)) {
            throw new IllegalArgumentException("not a Herald pub/sub message");
        }
        String[] head = new String(message, MESSAGE_MAGIC.length, headEnd - MESSAGE_MAGIC.length, StandardCharsets.US_ASCII).split(" ");
        if (head.length != 3) {
            throw new IllegalArgumentException("not a Herald pub/sub message header");
        }
        return publication(channel, Long.parseLong(head[0]), head[1], Long.parseLong(head[2]), message, headEnd + 1);
    }

    private static char kindByte(Payload.Kind kind) {
        return switch (kind) {
            case JSON -> 'J';
            case TEXT -> 'T';
            case BINARY -> 'B';
        };
    }

    private static Payload.Kind kind(byte b) {
        return switch (b) {
            case 'J' -> Payload.Kind.JSON;
            case 'T' -> Payload.Kind.TEXT;
            case 'B' -> Payload.Kind.BINARY;
            default -> throw new IllegalArgumentException("payload kind byte " + b);
        };
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
