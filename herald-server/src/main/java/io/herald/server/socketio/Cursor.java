package io.herald.server.socketio;

import io.herald.core.Names;
import io.herald.core.StreamPosition;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recovery offset of a Socket.IO socket (docs/protocol.md, "Socket.IO", "Connection state
 * recovery"): the positions of all its subscriptions after the event that carries it, as
 * {@code CHANNEL=EPOCH-OFFSET} joined by spaces, e.g. {@code "news=k3x9ab-42 chat:room1=k3x9ab-7"}.
 * The client keeps the offset of the last event it received and hands it back in its next
 * {@code CONNECT}; the server subscribes each channel from its position, so what was missed follows
 * in order and nothing twice. Stateless: any node can recover any socket. Not thread-safe (one per socket).
 */
final class Cursor {
    /** Subscriptions one Socket.IO socket may hold: the offset of every event names them all. */
    static final int MAX_CHANNELS = 128;

    private final LinkedHashMap<String, StreamPosition> positions = new LinkedHashMap<>();
    private String encoded = "";
    private byte[] utf8 = new byte[0];

    /** Sets {@code channel}'s position. */
    void put(String channel, StreamPosition position) {
        positions.put(channel, position);
        encoded = null;
        utf8 = null;
    }

    /** Forgets {@code channel}. */
    void remove(String channel) {
        if (positions.remove(channel) != null) {
            encoded = null;
            utf8 = null;
        }
    }

    /** Whether the offset names {@code channel} alone. */
    boolean only(String channel) {
        return positions.size() == 1 && positions.containsKey(channel);
    }

    /**
     * The offset, in UTF-8, of a cursor that holds {@code channel} at {@code position} alone: what
     * {@link #utf8()} is then, made without a cursor (for an event shared by every such socket).
     */
    static byte[] single(String channel, StreamPosition position) {
        return append(new StringBuilder(), channel, position).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder append(StringBuilder sb, String channel, StreamPosition position) {
        return sb.append(channel).append('=').append(position.id());
    }

    /** {@link #encoded()} in UTF-8 (kept until the positions change). */
    byte[] utf8() {
        if (utf8 == null) {
            utf8 = encoded().getBytes(StandardCharsets.UTF_8);
        }
        return utf8;
    }

    /** The offset string (JSON-safe: channel names and ids have no quote or backslash). */
    String encoded() {
        if (encoded == null) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, StreamPosition> e : positions.entrySet()) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                append(sb, e.getKey(), e.getValue());
            }
            encoded = sb.toString();
        }
        return encoded;
    }

    /**
     * Parses an offset a client handed back.
     *
     * @return the positions by channel, in order, or null when {@code offset} is not a cursor
     */
    static Map<String, StreamPosition> parse(String offset) {
        Map<String, StreamPosition> out = new LinkedHashMap<>();
        if (offset == null) {
            return null;
        }
        if (offset.isEmpty()) {
            return out;
        }
        for (String part : offset.split(" ", MAX_CHANNELS + 1)) {
            int eq = part.indexOf('=');
            if (eq <= 0 || out.size() >= MAX_CHANNELS) {
                return null;
            }
            String channel = part.substring(0, eq);
            StreamPosition position = StreamPosition.parseOrNull(safe(part.substring(eq + 1)));
            if (!Names.isChannel(channel) || position == null) {
                return null;
            }
            out.put(channel, position);
        }
        return out;
    }

    private static String safe(String id) {
        try {
            StreamPosition.parse(id);
            return id;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
