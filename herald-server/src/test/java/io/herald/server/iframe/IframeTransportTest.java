package io.herald.server.iframe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class IframeTransportTest {
    private static final String HEAD = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head><body>";
    private static final String SUFFIX = ")</script>";

    @Test
    void streamsScriptCallsWithExactWireBytes() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<InputStream> r = t.stream("/iframe/demo");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
            // a stream ends only with its connection: no client may pool it (docs/protocol.md, "HTTP conventions")
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
            InputStream in = r.body();
            String prelude = HEAD + "<!--" + " ".repeat(2048) + "-->\n";
            assertThat(readExactly(in, prelude.length())).isEqualTo(prelude);
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);

            Publication p1 = t.server().publish("demo", null, Payload.text("hello")).join();
            Publication p2 = t.server().publish("demo", "userlogin", Payload.json("{\"username\": \"John123\"}")).join();
            Publication p3 = t.server().publish("demo", null, Payload.text("<b> & co")).join();

            String expected = "<script>parent.herald(" + envelope(p1, "\"data\":\"hello\"") + ")</script>\n"
                    + "<script>parent.herald(" + envelope(p2, "\"data\":{\"username\":\"John123\"}") + ")</script>\n"
                    + "<script>parent.herald(" + envelope(p3, "\"data\":\"\\u003cb\\u003e \\u0026 co\"") + ")</script>\n";
            assertThat(readExactly(in, expected.getBytes(StandardCharsets.UTF_8).length)).isEqualTo(expected);
            in.close();
        }
    }

    @Test
    void callsTheNamedCallback() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.paddingBytes(0))) {
            String id;
            try (BufferedReader reader = lines(t.stream("/iframe/named?callback=" + encode("app.$push_1")).body())) {
                assertThat(reader.readLine()).isEqualTo(HEAD + "<!---->");
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                id = t.publish("named", "hi").get("id").asText();
                assertThat(TestServer.json(scriptArgument("app.$push_1", reader.readLine())).get("data").asText()).isEqualTo("hi");
            }
            // The reset notice goes to the named callback as well.
            try (BufferedReader reader = lines(t.stream("/iframe/named?since=zzzzzz-3&callback=cb").body())) {
                assertThat(reader.readLine()).isEqualTo(HEAD + "<!---->");
                // The stream holds all it had: the reset is to its start, then its publication follows.
                String start = io.herald.core.StreamPosition.parse(id).epoch() + "-0";
                assertThat(reader.readLine())
                        .isEqualTo("<script>parent.cb({\"reset\":true,\"channel\":\"named\",\"id\":\"" + start + "\"})</script>");
                assertThat(TestServer.json(scriptArgument("cb", reader.readLine())).get("id").asText()).isEqualTo(id);
            }
        }
    }

    @Test
    void rejectsABadCallbackBeforeTheResponseStarts() {
        try (TestServer t = TestServer.start()) {
            for (String bad : List.of("alert(1)", "a..b", "1abc", "</script>", "a b", "x;alert(1)", "a.", "-x", "a".repeat(129))) {
                HttpResponse<String> r = t.get("/iframe/demo?callback=" + encode(bad));
                assertThat(r.statusCode()).as("callback=%s", bad).isEqualTo(400);
                assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_callback");
            }
            assertThat(t.server().node().sessionCount()).isZero();
        }
    }

    @Test
    void hostilePayloadsCannotLeaveTheScriptElement() throws Exception {
        List<String> texts = List.of(
                "</script><script>alert(1)</script>",
                "line\u2028separator\u2029paragraph",
                "\"double\" 'single' \\backslash `tick`",
                "<!-- <script> -->",
                "</SCRIPT ><Script>x</sCrIpT>",
                "&lt; & <&> ]]> -->");
        String json = "{\"html\":\"</script><!--\",\"sep\":\"\u2028\u2029\",\"q\":\"\\\"\"}";
        try (TestServer t = TestServer.start(cfg -> cfg.paddingBytes(0))) {
            try (BufferedReader reader = lines(t.stream("/iframe/hostile").body())) {
                reader.readLine();
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                for (String text : texts) {
                    t.server().publish("hostile", null, Payload.text(text)).join();
                }
                t.server().publish("hostile", null, Payload.json(json)).join();

                for (String text : texts) {
                    JsonNode envelope = TestServer.json(scriptArgument(reader.readLine()));
                    assertThat(envelope.get("data").asText()).isEqualTo(text);
                }
                JsonNode envelope = TestServer.json(scriptArgument(reader.readLine()));
                assertThat(envelope.get("data")).isEqualTo(TestServer.json(json));
            }
        }
    }

    /**
     * The JSON argument of one {@code <script>parent.herald(...)</script>} line, after checking that
     * nothing in it can end the script element or change how the HTML tokenizer reads it.
     */
    private static String scriptArgument(String line) {
        return scriptArgument("herald", line);
    }

    private static String scriptArgument(String callback, String line) {
        String prefix = "<script>parent." + callback + "(";
        assertThat(line).startsWith(prefix).endsWith(SUFFIX);
        String arg = line.substring(prefix.length(), line.length() - SUFFIX.length());
        String lower = arg.toLowerCase(Locale.ROOT);
        assertThat(lower).doesNotContain("</script").doesNotContain("<!--").doesNotContain("<script");
        assertThat(arg).doesNotContain("\u2028").doesNotContain("\u2029").doesNotContain("<").doesNotContain(">");
        return arg;
    }

    private static String envelope(Publication p, String data) {
        return "{\"channel\":\"" + p.channel() + "\",\"id\":\"" + p.id() + "\",\"offset\":" + p.offset()
                + ",\"epoch\":\"" + p.epoch() + "\",\"event\":\"" + p.event() + "\"," + data + ",\"time\":" + p.time() + "}";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static BufferedReader lines(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static String readExactly(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
