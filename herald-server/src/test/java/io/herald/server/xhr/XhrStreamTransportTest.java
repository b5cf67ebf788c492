package io.herald.server.xhr;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class XhrStreamTransportTest {

    @Test
    void streamsOneEnvelopePerLineWithExactWireBytes() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<InputStream> r = t.stream("/stream/demo");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/x-ndjson; charset=utf-8");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
            // a stream ends only with its connection: no client may pool it (docs/protocol.md, "HTTP conventions")
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
            InputStream in = r.body();
            String prelude = " ".repeat(2048) + "\n";
            assertThat(readExactly(in, prelude.length())).isEqualTo(prelude);
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);

            Publication p1 = t.server().publish("demo", null, Payload.text("hello")).join();
            Publication p2 = t.server().publish("demo", "userlogin", Payload.json("{\"username\": \"John123\"}")).join();
            Publication p3 = t.server().publish("demo", null, Payload.text("a\nb \"q\" é")).join();
            Publication p4 = t.server().publish("demo", null, Payload.binary(new byte[] {0, 1, 2, (byte) 255})).join();

            String expected = envelope(p1, "\"data\":\"hello\"") + "\n"
                    + envelope(p2, "\"data\":{\"username\":\"John123\"}") + "\n"
                    + envelope(p3, "\"data\":\"a\\nb \\\"q\\\" é\"") + "\n"
                    + envelope(p4, "\"data_b64\":\"AAEC/w==\"") + "\n";
            assertThat(readExactly(in, expected.getBytes(StandardCharsets.UTF_8).length)).isEqualTo(expected);
            assertThat(p2.event()).isEqualTo("userlogin");
            in.close();
        }
    }

    @Test
    void rejectsAMalformedSince() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.get("/stream/demo?since=nope");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_since");
        }
    }

    private static String envelope(Publication p, String data) {
        return "{\"channel\":\"" + p.channel() + "\",\"id\":\"" + p.id() + "\",\"offset\":" + p.offset()
                + ",\"epoch\":\"" + p.epoch() + "\",\"event\":\"" + p.event() + "\"," + data + ",\"time\":" + p.time() + "}";
    }

    private static String readExactly(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
