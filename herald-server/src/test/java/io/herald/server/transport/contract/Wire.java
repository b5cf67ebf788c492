package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;

/**
 * The JSON shapes the transports share (docs/protocol.md): envelopes, the reset notice and the
 * goodbye, read strictly: a reset or goodbye must be exactly the compact JSON the contract gives.
 */
final class Wire {
    private Wire() {
    }

    /**
     * Reads one JSON text of a stream: the reset notice {@code {"reset":true,"channel":C,"id":ID}},
     * the goodbye {@code {"disconnect":{"code":N,"reason":R,"reconnect":B}}} or an envelope of
     * {@code channel}.
     */
    static Signal control(String json, String channel) {
        JsonNode node = TestServer.json(json);
        if (node.has("reset")) {
            String id = node.path("id").asText();
            assertThat(json).as("the reset notice").isEqualTo(compact(TestServer.JSON.createObjectNode()
                    .put("reset", true).put("channel", channel).put("id", id)));
            return Signal.reset(id);
        }
        if (node.has("disconnect")) {
            return goodbye(json, node);
        }
        return envelope(node, channel);
    }

    /**
     * The position a polling reset page resets to (docs/protocol.md, "Reset signal"): {@code next}
     * when it holds no messages, else the one before its first message, which must then be the start
     * of a replaced stream ({@code EPOCH-0}, the messages following from offset 1) or, for long
     * polling, a position the messages continue.
     */
    static String resetPosition(JsonNode page) {
        JsonNode messages = page.get("messages");
        if (messages.isEmpty()) {
            return page.get("next").asText();
        }
        JsonNode first = messages.get(0);
        return first.get("epoch").asText() + "-" + (first.get("offset").asLong() - 1);
    }

    /** The goodbye {@code {"disconnect":{"code":N,"reason":R,"reconnect":B}}}, exactly. */
    static Signal goodbye(String json, JsonNode node) {
        Signal bye = goodbyeFields(node.path("disconnect"));
        var expected = TestServer.JSON.createObjectNode();
        expected.putObject("disconnect").put("code", bye.code()).put("reason", bye.reason()).put("reconnect", bye.reconnect());
        assertThat(json).as("the goodbye").isEqualTo(compact(expected));
        return bye;
    }

    /** The goodbye's fields {@code {"code":N,"reason":R,"reconnect":B}} (SSE's herald-disconnect data), exactly. */
    static Signal goodbyeFields(String json) {
        Signal bye = goodbyeFields(TestServer.json(json));
        assertThat(json).as("the goodbye").isEqualTo(compact(TestServer.JSON.createObjectNode()
                .put("code", bye.code()).put("reason", bye.reason()).put("reconnect", bye.reconnect())));
        return bye;
    }

    private static Signal goodbyeFields(JsonNode fields) {
        return Signal.goodbye(fields.path("code").asInt(), fields.path("reason").asText(),
                fields.path("reconnect").asBoolean(), null);
    }

    /** An envelope of {@code channel} as a publication: its payload as text, JSON text or base64. */
    static Signal envelope(JsonNode envelope, String channel) {
        assertThat(envelope.path("channel").asText()).as("channel of %s", envelope).isEqualTo(channel);
        String id = envelope.path("id").asText();
        assertThat(id).as("id of %s", envelope)
                .isEqualTo(envelope.path("epoch").asText() + "-" + envelope.path("offset").asLong());
        JsonNode data = envelope.get("data");
        String payload;
        if (envelope.has("data_b64")) {
            assertThat(data).as("data beside data_b64 in %s", envelope).isNull();
            payload = envelope.get("data_b64").asText();
        } else {
            assertThat(data).as("data of %s", envelope).isNotNull();
            payload = data.isTextual() ? data.asText() : data.toString();
        }
        return Signal.publication(id, envelope.path("event").asText(), payload);
    }

    private static String compact(JsonNode node) {
        try {
            return TestServer.JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
