package io.herald.server.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Payload;
import io.herald.core.StreamPosition;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.util.Base64;

/**
 * One command of the WebSocket protocol on {@code /ws}, parsed from a text message, with typed
 * access to its fields. The shapes:
 * <pre>
 * {"id":1,"op":"subscribe","channel":"c","since":"ID"}          since optional
 * {"id":2,"op":"unsubscribe","channel":"c"}
 * {"id":3,"op":"publish","channel":"c","data":&lt;any JSON&gt;,"event":"t"}   or "data_b64":"base64"; event optional
 * {"id":4,"op":"history","channel":"c","since":"ID","limit":10}  since and limit optional
 * {"id":5,"op":"ping"}
 * {"id":6,"op":"connect","token":"JWT"}                         token optional when access control is off
 * {"id":7,"op":"refresh","token":"JWT"}
 * {"id":8,"op":"presence","channel":"c","count":true}             count optional
 * </pre>
 * {@code id} is an integer the client picks; replies carry it back. A string {@code data} is
 * published as text, any other JSON value as JSON, {@code data_b64} as binary.
 *
 * <p>Accessors throw {@link HeraldException} with the contract's code ({@code invalid_command},
 * {@code invalid_channel}, {@code invalid_since}, {@code invalid_parameter}; the node checks the
 * event type) and a message naming the field, its value and the rule. Immutable; thread-safe.
 *
 * @param id     the command id, or null when it is missing or not an integer
 * @param op     the operation, or null when missing
 * @param fields the whole command object
 *
 * <p>Wire contract: docs/protocol.md, "WebSocket protocol".
 */
record Command(Long id, String op, JsonNode fields) {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    /**
     * Parses a command. A command whose {@code id} is valid but whose other fields are not is still
     * returned, so the error reply can carry the id.
     *
     * @param content the text message's UTF-8 bytes; not released
     * @throws HeraldException {@code invalid_command} when it is not exactly one JSON object
     */
    static Command parse(ByteBuf content) {
        JsonNode node;
        try {
            node = MAPPER.readTree(new ByteBufInputStream(content.duplicate()));
        } catch (IOException | NumberFormatException e) {
            // NumberFormatException: a number Jackson's BigDecimal reading refuses, e.g. 9999E99999999999999
            // (found by CommandFuzzTest; docs/security.md, "Fuzzing").
            throw invalid("command is not valid JSON (expected: one JSON object such as {\"id\":1,\"op\":\"ping\"})");
        }
        if (node == null || !node.isObject()) {
            throw invalid("command is not a JSON object (expected: {\"id\":1,\"op\":\"...\",...})");
        }
        JsonNode id = node.get("id");
        Long commandId = id != null && id.isIntegralNumber() && id.canConvertToLong() ? id.longValue() : null;
        JsonNode op = node.get("op");
        return new Command(commandId, op != null && op.isTextual() ? op.textValue() : null, node);
    }

    /**
     * Checks the envelope of the command: an integer id and an op.
     *
     * @throws HeraldException {@code invalid_command}
     */
    Command check() {
        if (id == null) {
            throw invalid("id " + shown("id") + " (expected: an integer)");
        }
        if (op == null) {
            throw invalid("op " + shown("op") + " (expected: " + OPS + ")");
        }
        return this;
    }

    /** The ops, for error messages. */
    static final String OPS = "connect, refresh, subscribe, unsubscribe, publish, history, presence or ping";

    /** The {@code token} of {@code connect} and {@code refresh}, or null. @throws HeraldException {@code invalid_command} when not a string */
    String token() {
        return optionalText("token");
    }

    /** The validated {@code channel}. @throws HeraldException {@code invalid_command} or {@code invalid_channel} */
    String channel() {
        return Names.checkChannel(requiredText("channel"));
    }

    /** The {@code since} position, or null. @throws HeraldException {@code invalid_since} */
    StreamPosition since() {
        return StreamPosition.parseOrNull(optionalText("since"));
    }

    /** The {@code count} flag of {@code presence}, false when absent. @throws HeraldException {@code invalid_command} when not a boolean */
    boolean count() {
        JsonNode count = fields.get("count");
        if (count == null || count.isNull()) {
            return false;
        }
        if (!count.isBoolean()) {
            throw invalid("count " + shown("count") + " (expected: true or false)");
        }
        return count.booleanValue();
    }

    /** The {@code event}, or null for the default; the node validates it. */
    String event() {
        return optionalText("event");
    }

    /** The {@code publish} command's {@code idempotency_key}, or null (docs/protocol.md, "Idempotent publishing"). */
    String idempotencyKey() {
        return optionalText("idempotency_key");
    }

    /** The {@code publish} command's conflation {@code key}, or null (docs/protocol.md, "Conflation"); the node validates it. */
    String key() {
        return optionalText("key");
    }

    /** The {@code limit}, {@code def} when absent. @throws HeraldException {@code invalid_parameter} */
    int limit(int def, int max) {
        JsonNode limit = fields.get("limit");
        if (limit == null || limit.isNull()) {
            return def;
        }
        if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 0 || limit.intValue() > max) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                    "limit " + Names.quote(limit.toString()) + " (expected: an integer in 0.." + max + ")");
        }
        return limit.intValue();
    }

    /**
     * The payload to publish: {@code data} as text when it is a JSON string, else as JSON;
     * {@code data_b64} as binary.
     *
     * @throws HeraldException {@code invalid_command} when neither or both are given or the base64 is bad
     */
    Payload payload() {
        JsonNode data = fields.get("data");
        JsonNode b64 = fields.get("data_b64");
        if ((data == null) == (b64 == null)) {
            throw invalid("publish needs exactly one of data (any JSON value) and data_b64 (a base64 string)");
        }
        if (b64 != null) {
            if (!b64.isTextual()) {
                throw invalid("data_b64 " + shown("data_b64") + " (expected: a base64 string)");
            }
            try {
                return Payload.binary(Base64.getDecoder().decode(b64.textValue()));
            } catch (IllegalArgumentException e) {
                throw invalid("data_b64 is not base64 (RFC 4648, section 4): " + e.getMessage());
            }
        }
        if (data.isTextual()) {
            return Payload.text(data.textValue());
        }
        try {
            return new Payload(Payload.Kind.JSON, "application/json", MAPPER.writeValueAsBytes(data));
        } catch (JsonProcessingException e) {
            throw invalid("data cannot be encoded as JSON: " + e.getOriginalMessage());
        }
    }

    private String requiredText(String name) {
        String value = optionalText(name);
        if (value == null) {
            throw invalid(name + " is missing (expected: a string)");
        }
        return value;
    }

    private String optionalText(String name) {
        JsonNode value = fields.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(name + " " + shown(name) + " (expected: a string)");
        }
        return value.textValue();
    }

    private String shown(String name) {
        JsonNode value = fields.get(name);
        return value == null ? "(missing)" : Names.quote(value.toString());
    }

    /** An {@code invalid_command} error with {@code message}. */
    static HeraldException invalid(String message) {
        return new HeraldException(ErrorCode.INVALID_COMMAND, message);
    }
}
