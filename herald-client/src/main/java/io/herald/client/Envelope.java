package io.herald.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A publication as the server sends it (docs/protocol.md, "Envelope"). Immutable and thread-safe.
 *
 * @param channel the channel
 * @param id      {@code EPOCH-OFFSET}: hand it back as {@code since} to resume after it; compare for
 *                equality only
 * @param offset  its place in the channel's stream, from 1, +1 per publication within an epoch
 * @param epoch   the stream's epoch
 * @param event   the event type ({@code message} by default)
 * @param data    the payload of a JSON or text publication (a text payload is a JSON string); null
 *                for a binary one
 * @param dataBase64 the payload of a binary publication in base64 (RFC 4648, section 4); else null
 * @param time    when the server stored it, milliseconds since the Unix epoch
 */
public record Envelope(String channel, String id, long offset, String epoch, String event, JsonNode data,
                       String dataBase64, long time) {

    /** The payload as text: a text payload itself, a JSON one serialized, a binary one decoded as UTF-8. */
    public String text() {
        if (data == null) {
            return new String(bytes(), StandardCharsets.UTF_8);
        }
        return data.isTextual() ? data.textValue() : data.toString();
    }

    /** The payload's bytes: a binary payload decoded from base64, others as UTF-8 {@link #text()}. */
    public byte[] bytes() {
        if (dataBase64 != null) {
            return Base64.getDecoder().decode(dataBase64);
        }
        return text().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads an envelope.
     *
     * @throws HeraldClientException {@code protocol_error} when a required field is missing
     */
    static Envelope of(JsonNode n) {
        JsonNode channel = n.get("channel");
        JsonNode id = n.get("id");
        JsonNode offset = n.get("offset");
        JsonNode epoch = n.get("epoch");
        if (channel == null || id == null || offset == null || epoch == null) {
            throw new HeraldClientException("protocol_error", "not an envelope: " + n, 0, null);
        }
        JsonNode event = n.get("event");
        JsonNode b64 = n.get("data_b64");
        return new Envelope(channel.asText(), id.asText(), offset.asLong(), epoch.asText(),
                event == null ? "message" : event.asText(), n.get("data"), b64 == null ? null : b64.asText(),
                n.path("time").asLong());
    }
}
