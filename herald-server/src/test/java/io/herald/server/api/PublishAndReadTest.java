package io.herald.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PublishAndReadTest {

    @Test
    void publishReplyCarriesIdAndOffset() {
        try (TestServer t = TestServer.start()) {
            JsonNode first = t.publish("chat:room1", "hi");
            JsonNode second = t.publish("chat:room1", "there");
            assertThat(first.get("channel").asText()).isEqualTo("chat:room1");
            assertThat(first.get("offset").asLong()).isEqualTo(1);
            assertThat(second.get("offset").asLong()).isEqualTo(2);
            assertThat(second.get("id").asText()).matches("[a-z0-9]+-2");
        }
    }

    @Test
    void envelopesCarryJsonTextAndBinaryPayloads() {
        try (TestServer t = TestServer.start()) {
            t.publish("kinds", "{\n  \"n\": 1\n}", "application/json", null);
            t.publish("kinds", "plain \"quoted\" text", "text/plain", "note");
            HttpResponse<String> bin = t.send(HttpRequest.newBuilder(t.uri("/pub/kinds"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0, (byte) 0xff, 7})).build());
            assertThat(bin.statusCode()).isEqualTo(200);
            t.post("/pub/kinds", "form body", "application/x-www-form-urlencoded");

            JsonNode page = TestServer.json(t.get("/history/kinds").body());
            JsonNode m = page.get("messages");
            assertThat(m).hasSize(4);
            assertThat(m.get(0).get("data").get("n").asInt()).isEqualTo(1);
            assertThat(m.get(0).get("event").asText()).isEqualTo("message");
            assertThat(m.get(1).get("data").asText()).isEqualTo("plain \"quoted\" text");
            assertThat(m.get(1).get("event").asText()).isEqualTo("note");
            assertThat(m.get(2).has("data")).isFalse();
            assertThat(Base64.getDecoder().decode(m.get(2).get("data_b64").asText())).containsExactly(0, 0xff, 7);
            assertThat(m.get(3).get("data").asText()).isEqualTo("form body");
            assertThat(m.get(0).get("epoch").asText()).isNotEmpty();
            assertThat(m.get(0).get("time").asLong()).isPositive();
            assertThat(page.get("next").asText()).isEqualTo(m.get(3).get("id").asText());
            assertThat(page.get("reset").asBoolean()).isFalse();
        }
    }

    @Test
    void historyPagesWithSinceAndLimit() {
        try (TestServer t = TestServer.start()) {
            for (int i = 1; i <= 7; i++) {
                t.publish("pages", "m" + i);
            }
            JsonNode latest = TestServer.json(t.get("/history/pages?limit=2").body());
            assertThat(latest.get("messages")).extracting(n -> n.get("data").asText()).containsExactly("m6", "m7");
            String epoch = latest.get("messages").get(0).get("epoch").asText();
            JsonNode page = TestServer.json(t.get("/poll/pages?since=" + epoch + "-2&limit=3").body());
            assertThat(page.get("messages")).extracting(n -> n.get("data").asText()).containsExactly("m3", "m4", "m5");
            assertThat(page.get("next").asText()).isEqualTo(epoch + "-5");
            JsonNode rest = TestServer.json(t.get("/poll/pages?since=" + page.get("next").asText()).body());
            assertThat(rest.get("messages")).extracting(n -> n.get("data").asText()).containsExactly("m6", "m7");
            JsonNode none = TestServer.json(t.get("/poll/pages?since=" + epoch + "-7").body());
            assertThat(none.get("messages")).isEmpty();
            assertThat(none.get("next").asText()).isEqualTo(epoch + "-7");
        }
    }

    @Test
    void indexPageListsTheEndpoints() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.get("/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(r.body()).contains("/sse/{channel}", "/longpoll/", "/ws/{channel}", "/iframe/", "/stream/",
                    "curl -N localhost:8080/sse/demo", "curl -d hello localhost:8080/pub/demo", "new EventSource(");
        }
    }

    @Test
    void adminSwitchDropsSessionsOnlyWhenEnabledAndOnlyOnTheAdminListener() throws Exception {
        try (TestServer off = TestServer.start()) {
            assertThat(off.adminPost("/admin/disconnect").statusCode()).isEqualTo(404);
            assertThat(off.post("/admin/disconnect", "", null).statusCode()).isEqualTo(404);
        }
        try (TestServer t = TestServer.start(cfg -> cfg.adminEnabled(true))) {
            assertThat(t.post("/admin/disconnect", "", null).statusCode()).as("never on the public port").isEqualTo(404);
            var stream = t.stream("/sse/a").body();
            TestServer.await("subscribed", java.time.Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 1);
            HttpResponse<String> r = t.adminPost("/admin/disconnect");
            assertThat(TestServer.json(r.body()).get("disconnected").asInt()).isEqualTo(1);
            String rest = new String(stream.readAllBytes());
            assertThat(rest).contains("event: herald-disconnect\ndata: {\"code\":4003,\"reason\":\"forced reconnect\",\"reconnect\":true}\n\n");
        }
    }
}
