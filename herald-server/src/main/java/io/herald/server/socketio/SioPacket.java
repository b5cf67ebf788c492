package io.herald.server.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One Socket.IO v5 packet (docs/protocol.md, "Socket.IO"), as an Engine.IO message carries it:
 * {@code <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]}, e.g.
 * {@code 42["message",1]}, {@code 40/custom,{"token":"abc"}}, {@code 452-789["m",{"_placeholder":true,"num":0},...]}
 * (followed by that many binary messages). Immutable once its attachments are in.
 *
 * @param type        {@link #CONNECT} .. {@link #BINARY_ACK}
 * @param namespace   the namespace, {@code "/"} when the packet names none
 * @param id          the acknowledgement id, or -1 for none
 * @param data        the payload, or null when there is none
 * @param attachments how many binary messages follow (binary event and ack only), else 0
 * @param buffers     the binary attachments received so far (in order of {@code num})
 */
public record SioPacket(int type, String namespace, long id, JsonNode data, int attachments, List<byte[]> buffers) {
    public static final int CONNECT = 0;
    public static final int DISCONNECT = 1;
    public static final int EVENT = 2;
    public static final int ACK = 3;
    public static final int CONNECT_ERROR = 4;
    public static final int BINARY_EVENT = 5;
    public static final int BINARY_ACK = 6;

    /** Event names a client may not emit (they are the socket's own events). */
    private static final Set<String> RESERVED = Set.of("connect", "connect_error", "disconnect", "disconnecting",
            "newListener", "removeListener");

    /** Jackson, shared; thread-safe. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Whether every binary attachment arrived. */
    boolean complete() {
        return buffers.size() >= attachments;
    }

    /** An event's name (the payload's first element), or null. */
    String event() {
        return data != null && data.isArray() && data.size() > 0 && data.get(0).isTextual() ? data.get(0).asText() : null;
    }

    /** An event's arguments after the name, or an ack's arguments: the payload array without the name. */
    ArrayNode args() {
        ArrayNode a = MAPPER.createArrayNode();
        if (data != null && data.isArray()) {
            for (int i = (type == EVENT || type == BINARY_EVENT) ? 1 : 0; i < data.size(); i++) {
                a.add(data.get(i));
            }
        }
        return a;
    }

    /**
     * Parses the text of a packet; a binary event or ack then waits for its attachments.
     *
     * @throws IllegalArgumentException when it is not a valid packet (the connection is then closed)
     */
    static SioPacket parse(String s) {
        int i = 0;
        int n = s.length();
        if (n == 0) {
            throw new IllegalArgumentException("empty packet");
        }
        int type = s.charAt(i++) - '0';
        if (type < CONNECT || type > BINARY_ACK) {
            throw new IllegalArgumentException("unknown packet type");
        }
        int attachments = 0;
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            int dash = s.indexOf('-', i);
            if (dash < 0 || dash == i || dash - i > 6) {
                throw new IllegalArgumentException("illegal attachments");
            }
            for (int k = i; k < dash; k++) {
                if (!Character.isDigit(s.charAt(k))) {
                    throw new IllegalArgumentException("illegal attachments");
                }
            }
            attachments = Integer.parseInt(s.substring(i, dash));
            i = dash + 1;
        }
        String namespace = "/";
        if (i < n && s.charAt(i) == '/') {
            int comma = s.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            namespace = s.substring(i, end);
            i = comma < 0 ? n : comma + 1;
        }
        long id = -1;
        int idStart = i;
        while (i < n && Character.isDigit(s.charAt(i)) && i - idStart < 15) {
            i++;
        }
        if (i > idStart) {
            id = Long.parseLong(s.substring(idStart, i));
        }
        JsonNode data = null;
        if (i < n) {
            try {
                data = MAPPER.readTree(s.substring(i));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("invalid payload");
            }
        }
        if (!valid(type, data)) {
            throw new IllegalArgumentException("invalid payload");
        }
        return new SioPacket(type, namespace, id, data, attachments, new ArrayList<>(attachments));
    }

    private static boolean valid(int type, JsonNode data) {
        return switch (type) {
            case CONNECT -> data == null || data.isObject();
            case DISCONNECT -> data == null;
            case CONNECT_ERROR -> data != null && (data.isObject() || data.isTextual());
            case EVENT, BINARY_EVENT -> data != null && data.isArray() && data.size() > 0
                    && (data.get(0).isNumber() || (data.get(0).isTextual() && !RESERVED.contains(data.get(0).asText())));
            default -> data != null && data.isArray(); // ACK, BINARY_ACK
        };
    }

    /**
     * The text of a packet: {@code type}, attachments, namespace (left out for {@code "/"}), id (left out
     * when negative) and the JSON payload as given (null for none).
     */
    static String encode(int type, String namespace, long id, int attachments, String json) {
        StringBuilder sb = new StringBuilder(16 + (json == null ? 0 : json.length()));
        sb.append((char) ('0' + type));
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            sb.append(attachments).append('-');
        }
        if (!"/".equals(namespace)) {
            sb.append(namespace).append(',');
        }
        if (id >= 0) {
            sb.append(id);
        }
        if (json != null) {
            sb.append(json);
        }
        return sb.toString();
    }
}
