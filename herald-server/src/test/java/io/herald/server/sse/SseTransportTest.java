package io.herald.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SseTransportTest {

    @Test
    void streamsPublicationsWithExactWireBytes() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.sseRetry(Duration.ofMillis(1500)))) {
            HttpResponse<InputStream> r = t.stream("/sse/demo");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
            // a stream ends only with its connection: no client may pool it (docs/protocol.md, "HTTP conventions")
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            InputStream in = r.body();
            assertThat(readExactly(in, "retry: 1500\n\n".length())).isEqualTo("retry: 1500\n\n");
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);

            String id1 = t.publish("demo", "hello").get("id").asText();
            String id2 = t.publish("demo", "{\"username\": \"John123\"}", "application/json", "userlogin").get("id").asText();
            String id3 = t.publish("demo", "a\nb\r\nc\rd").get("id").asText();

            String expected = "id: " + id1 + "\ndata: hello\n\n"
                    + "id: " + id2 + "\nevent: userlogin\ndata: {\"username\": \"John123\"}\n\n"
                    + "id: " + id3 + "\ndata: a\ndata: b\ndata: c\ndata: d\n\n";
            assertThat(readExactly(in, expected.getBytes(StandardCharsets.UTF_8).length)).isEqualTo(expected);
            in.close();
        }
    }

    @Test
    void resumesFromLastEventIdHeaderWithNoLossAndNoDuplicate() throws Exception {
        try (TestServer t = TestServer.start()) {
            for (int i = 1; i <= 5; i++) {
                t.publish("resume", "m" + i);
            }
            String since = t.get("/history/resume?limit=2").body();
            String id3 = TestServer.json(since).get("messages").get(0).get("id").asText();
            assertThat(id3).endsWith("-4");
            // Header beats the query parameter: a browser reconnecting sends the newer id in the header.
            HttpResponse<InputStream> r = t.stream("/sse/resume?lastEventId=" + id3.replace("-4", "-1"), "Last-Event-ID", id3);
            try (SseReader reader = new SseReader(r.body())) {
                assertThat(reader.nextEvent().data()).isEqualTo("m5");
                t.publish("resume", "m6");
                assertThat(reader.nextEvent().data()).isEqualTo("m6");
                assertThat(reader.lastId()).endsWith("-6");
            }
        }
    }

    @Test
    void rejectsAMalformedLastEventId() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.get("/sse/demo?lastEventId=not%20an%20id");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_since");
        }
    }

    private static String readExactly(InputStream in, int n) throws Exception {
        byte[] buf = in.readNBytes(n);
        return new String(buf, StandardCharsets.UTF_8);
    }
}
