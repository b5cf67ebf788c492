package io.herald.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The opt-in {@code format=envelope} and {@code heartbeat=event} of {@code /sse} used by herald.js. */
@Timeout(30)
class SseScriptOptionsTest {

    @Test
    void sendsEnvelopesAsUnnamedEventsAndHeartbeatsAsNamedEvents() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.heartbeat(Duration.ofMillis(300)))) {
            InputStream in = t.stream("/sse/opts?format=envelope&heartbeat=event").body();
            String start = "retry: 2000\n\nevent: herald-heartbeat\ndata: {}\n\n";
            assertThat(new String(in.readNBytes(start.length()), StandardCharsets.US_ASCII))
                    .as("a heartbeat event follows retry at once").isEqualTo(start);
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);

            String id1 = t.publish("opts", "{\n \"username\": \"John123\"\n}", "application/json", "userlogin").get("id").asText();
            String id2 = t.publish("opts", "two\nlines").get("id").asText();
            try (SseReader reader = new SseReader(in)) {
                SseReader.Event e1 = nextPublication(reader);
                assertThat(e1.event()).as("no event: field").isEqualTo("message");
                assertThat(e1.id()).isEqualTo(id1);
                JsonNode env1 = TestServer.json(e1.data());
                assertThat(env1.get("event").asText()).isEqualTo("userlogin");
                assertThat(env1.get("data").get("username").asText()).isEqualTo("John123");
                assertThat(env1.get("offset").asLong()).isEqualTo(1);

                SseReader.Event e2 = nextPublication(reader);
                assertThat(e2.id()).isEqualTo(id2);
                assertThat(TestServer.json(e2.data()).get("data").asText()).isEqualTo("two\nlines");

                SseReader.Event beat = reader.next();
                assertThat(beat.isComment()).as("no comment heartbeat").isFalse();
                assertThat(beat.event()).isEqualTo("herald-heartbeat");
                assertThat(beat.data()).isEqualTo("{}");
            }
        }
    }

    /**
     * On several channels (docs/protocol.md, "Several channels on one request"), {@code format=envelope}
     * drops the {@code event:} line too, so herald.js's {@code onmessage} sees a typed publication;
     * without it the type is the event's; the id is the cursor either way.
     */
    @Test
    void severalChannelsWithFormatEnvelopeSendTypedPublicationsAsUnnamedEvents() throws Exception {
        try (TestServer t = TestServer.start()) {
            InputStream envelopes = t.stream("/sse?channel=ea&channel=eb&format=envelope").body();
            InputStream typed = t.stream("/sse?channel=ea&channel=eb").body();
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 4);
            String id = t.publish("eb", "{\"n\":1}", "application/json", "userlogin").get("id").asText();
            try (SseReader reader = new SseReader(envelopes); SseReader named = new SseReader(typed)) {
                SseReader.Event e = nextPublication(reader);
                assertThat(e.event()).as("no event: field").isEqualTo("message");
                assertThat(TestServer.json(e.data()).get("event").asText()).isEqualTo("userlogin");
                assertThat(TestServer.json(e.data()).get("channel").asText()).isEqualTo("eb");
                assertThat(e.id()).as("the cursor").endsWith("," + id);
                SseReader.Event n = nextPublication(named);
                assertThat(n.event()).isEqualTo("userlogin");
                assertThat(n.data()).isEqualTo(e.data());
            }
        }
    }

    @Test
    void rejectsUnknownValues() {
        try (TestServer t = TestServer.start()) {
            var format = t.get("/sse/opts?format=xml");
            assertThat(format.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(format.body()).get("error").get("code").asText()).isEqualTo("invalid_parameter");
            assertThat(TestServer.json(format.body()).get("error").get("message").asText())
                    .isEqualTo("format 'xml' (expected: envelope or absent)");
            assertThat(t.get("/sse/opts?heartbeat=comment").statusCode()).isEqualTo(400);
        }
    }

    private static SseReader.Event nextPublication(SseReader reader) throws Exception {
        for (;;) {
            SseReader.Event e = reader.nextEvent();
            if (!"herald-heartbeat".equals(e.event())) {
                return e;
            }
        }
    }
}
