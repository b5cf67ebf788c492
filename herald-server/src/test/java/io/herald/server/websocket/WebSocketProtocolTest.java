package io.herald.server.websocket;

import static io.herald.server.websocket.WebSocketRawTest.awaitSubscriptions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JSON WebSocket protocol on {@code /ws}, against real sockets. */
@Timeout(60)
class WebSocketProtocolTest {

    @Test
    void subscribesPushesEnvelopesUnsubscribesAndPings() {
        try (TestServer t = TestServer.start()) {
            String top = TestServer.json(t.get("/history/a?limit=0").body()).get("next").asText();
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"a\"}");
            assertThat(ws.nextText()).isEqualTo(
                    "{\"id\":1,\"ok\":true,\"channel\":\"a\",\"reset\":false,\"position\":\"" + top + "\",\"recovered\":0}");

            JsonNode published = t.publish("a", "hello");
            JsonNode push = ws.nextJson();
            assertThat(push.get("channel").asText()).isEqualTo("a");
            assertThat(push.get("id").asText()).isEqualTo(published.get("id").asText());
            assertThat(push.get("offset").asLong()).isEqualTo(1);
            assertThat(push.get("event").asText()).isEqualTo("message");
            assertThat(push.get("data").asText()).isEqualTo("hello");
            assertThat(push.has("ok")).isFalse();

            ws.send("{\"id\":2,\"op\":\"ping\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":2,\"ok\":true}");
            ws.send("{\"id\":3,\"op\":\"unsubscribe\",\"channel\":\"a\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":3,\"ok\":true,\"channel\":\"a\"}");
            awaitSubscriptions(t, 0);
            t.publish("a", "not for us");
            ws.send("{\"id\":4,\"op\":\"unsubscribe\",\"channel\":\"a\"}");
            // The next thing on the socket is this reply: nothing was pushed after unsubscribing.
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("not_subscribed");
            ws.assertExhausted();
            ws.close();
        }
    }

    @Test
    void publishesTextJsonAndBinaryData() {
        try (TestServer t = TestServer.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"p\"}");
            assertThat(ws.nextJson().get("ok").asBoolean()).isTrue();

            ws.send("{\"id\":2,\"op\":\"publish\",\"channel\":\"p\",\"data\":\"plain text\"}");
            ws.send("{\"id\":3,\"op\":\"publish\",\"channel\":\"p\",\"data\":{\"x\":[1,2.50,null]},\"event\":\"t.1\"}");
            ws.send("{\"id\":4,\"op\":\"publish\",\"channel\":\"p\",\"data_b64\":\"AAH/\"}");
            Map<Long, JsonNode> replies = new HashMap<>();
            List<JsonNode> pushes = new ArrayList<>();
            List<String> pushTexts = new ArrayList<>();
            while (replies.size() < 3 || pushes.size() < 3) {
                String text = ws.nextText();
                JsonNode m = TestServer.json(text);
                if (m.has("ok")) {
                    replies.put(m.get("id").asLong(), m);
                } else {
                    pushes.add(m);
                    pushTexts.add(text);
                }
            }
            String epoch = pushes.get(0).get("epoch").asText();
            for (long id = 2; id <= 4; id++) {
                assertThat(replies.get(id).toString()).isEqualTo("{\"id\":" + id + ",\"ok\":true,\"channel\":\"p\",\"position\":\""
                        + epoch + "-" + (id - 1) + "\",\"offset\":" + (id - 1) + "}");
            }
            assertThat(pushes.get(0).get("data").asText()).isEqualTo("plain text");
            assertThat(pushes.get(1).get("event").asText()).isEqualTo("t.1");
            // The JSON value as the client wrote it, number text included.
            assertThat(pushTexts.get(1)).contains(",\"data\":{\"x\":[1,2.50,null]},");
            assertThat(pushes.get(2).get("data_b64").asText()).isEqualTo("AAH/");
            assertThat(Base64.getDecoder().decode(pushes.get(2).get("data_b64").asText())).containsExactly(0, 1, 0xff);

            // The same publications as every reader sees them.
            JsonNode history = TestServer.json(t.get("/history/p").body()).get("messages");
            assertThat(history.get(0).get("data").asText()).isEqualTo("plain text");
            assertThat(history.get(1).get("data").get("x").get(1).decimalValue()).isEqualByComparingTo("2.5");
            assertThat(history.get(2).get("data_b64").asText()).isEqualTo("AAH/");
            ws.close();
        }
    }

    @Test
    void answersHistoryCommands() {
        try (TestServer t = TestServer.start()) {
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                ids.add(t.publish("h", "m" + i).get("id").asText());
            }
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"history\",\"channel\":\"h\",\"limit\":2}");
            JsonNode latest = ws.nextJson();
            assertThat(latest.get("id").asLong()).isEqualTo(1);
            assertThat(latest.get("ok").asBoolean()).isTrue();
            assertThat(latest.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("m4", "m5");
            assertThat(latest.get("next").asText()).isEqualTo(ids.get(4));
            assertThat(latest.get("reset").asBoolean()).isFalse();

            ws.send("{\"id\":2,\"op\":\"history\",\"channel\":\"h\",\"since\":\"" + ids.get(1) + "\",\"limit\":10}");
            JsonNode after = ws.nextJson();
            assertThat(after.get("messages")).extracting(m -> m.get("id").asText()).containsExactlyElementsOf(ids.subList(2, 5));

            ws.send("{\"id\":3,\"op\":\"history\",\"channel\":\"h\",\"since\":\"zzzzzz-1\"}");
            JsonNode reset = ws.nextJson();
            assertThat(reset.get("reset").asBoolean()).isTrue();
            // The channel's stream holds all it had: the page starts at its start (docs/protocol.md, "Resume rule").
            assertThat(reset.get("messages")).extracting(m -> m.get("id").asText()).containsExactlyElementsOf(ids);
            assertThat(reset.get("next").asText()).isEqualTo(ids.get(4));
            ws.close();
        }
    }

    @Test
    void carriesManyChannelsOnOneSocket() {
        try (TestServer t = TestServer.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            for (int i = 1; i <= 5; i++) {
                ws.send("{\"id\":" + i + ",\"op\":\"subscribe\",\"channel\":\"room" + i + "\"}");
            }
            for (int i = 1; i <= 5; i++) {
                JsonNode reply = ws.nextJson();
                assertThat(reply.get("id").asLong()).isEqualTo(i);
                assertThat(reply.get("channel").asText()).isEqualTo("room" + i);
            }
            assertThat(t.server().node().subscriptionCount()).isEqualTo(5);
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
            ws.send("{\"id\":6,\"op\":\"subscribe\",\"channel\":\"room3\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("already_subscribed");

            for (int round = 1; round <= 2; round++) {
                for (int i = 5; i >= 1; i--) {
                    t.publish("room" + i, "r" + round + "c" + i);
                }
            }
            for (int round = 1; round <= 2; round++) {
                for (int i = 5; i >= 1; i--) {
                    JsonNode push = ws.nextJson();
                    assertThat(push.get("channel").asText()).isEqualTo("room" + i);
                    assertThat(push.get("data").asText()).isEqualTo("r" + round + "c" + i);
                }
            }
            ws.close();
        }
    }

    @Test
    void answersBadCommandsWithErrorRepliesAndKeepsTheSocketOpen() {
        NodeConfig node = NodeConfig.builder()
                .namespace("ro", NamespaceOptions.builder().allowClientPublish(false).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(node))) {
            WsClient ws = WsClient.connect(t, "/ws");
            String[][] cases = {
                {"not json at all", "null", "invalid_command"},
                {"[1,2]", "null", "invalid_command"},
                {"{\"id\":1,\"op\":\"ping\"} {\"id\":2}", "null", "invalid_command"},
                {"{\"op\":\"ping\"}", "null", "invalid_command"},
                {"{\"id\":7}", "7", "invalid_command"},
                {"{\"id\":8,\"op\":\"jump\"}", "8", "invalid_command"},
                {"{\"id\":9,\"op\":\"subscribe\"}", "9", "invalid_command"},
                {"{\"id\":10,\"op\":\"subscribe\",\"channel\":\"bad name\"}", "10", "invalid_channel"},
                {"{\"id\":11,\"op\":\"subscribe\",\"channel\":\"c\",\"since\":\"nope\"}", "11", "invalid_since"},
                {"{\"id\":12,\"op\":\"publish\",\"channel\":\"c\",\"data\":\"x\",\"event\":\"bad event\"}", "12", "invalid_event"},
                {"{\"id\":13,\"op\":\"publish\",\"channel\":\"c\"}", "13", "invalid_command"},
                {"{\"id\":14,\"op\":\"publish\",\"channel\":\"c\",\"data_b64\":\"!!\"}", "14", "invalid_command"},
                {"{\"id\":15,\"op\":\"history\",\"channel\":\"c\",\"limit\":-1}", "15", "invalid_parameter"},
                {"{\"id\":16,\"op\":\"publish\",\"channel\":\"ro:x\",\"data\":\"x\"}", "16", "publish_forbidden"},
            };
            for (String[] c : cases) {
                ws.send(c[0]);
                JsonNode reply = ws.nextJson();
                assertThat(reply.get("id").toString()).as(c[0]).isEqualTo(c[1]);
                assertThat(reply.at("/error/code").asText()).as(c[0]).isEqualTo(c[2]);
                assertThat(reply.at("/error/message").asText()).as(c[0]).isNotEmpty();
                assertThat(reply.has("ok")).isFalse();
            }
            ws.sendBinary(new byte[] {1, 2, 3});
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("invalid_command");

            // Still open and working.
            ws.send("{\"id\":17,\"op\":\"subscribe\",\"channel\":\"c\"}");
            assertThat(ws.nextJson().get("ok").asBoolean()).isTrue();
            t.publish("c", "still here");
            assertThat(ws.nextJson().get("data").asText()).isEqualTo("still here");
            assertThat(TestServer.json(t.get("/history/ro:x").body()).get("messages")).isEmpty();
            ws.close();
        }
    }

    @Test
    void repliesToSubscribeBeforeTheRecoveredPublications() {
        try (TestServer t = TestServer.start()) {
            String top = TestServer.json(t.get("/history/rec?limit=0").body()).get("next").asText();
            for (int i = 1; i <= 3; i++) {
                t.publish("rec", "m" + i);
            }
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"rec\",\"since\":\"" + top + "\"}");
            JsonNode reply = ws.nextJson();
            assertThat(reply.toString()).isEqualTo(
                    "{\"id\":1,\"ok\":true,\"channel\":\"rec\",\"reset\":false,\"position\":\"" + top + "\",\"recovered\":3}");
            for (int i = 1; i <= 3; i++) {
                JsonNode push = ws.nextJson();
                assertThat(push.get("offset").asLong()).isEqualTo(i);
                assertThat(push.get("data").asText()).isEqualTo("m" + i);
            }
            ws.close();
        }
    }

}
