package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.StreamPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** herald.js in Chromium with each transport forced on its own, against a real Herald. */
@Tag("browser")
class ClientTransportsTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(Harness::clientTestServer);

    /** Client options for one transport, with short timeouts so failures show quickly. */
    static Map<String, Object> only(String transport) {
        return Map.of("transports", List.of(transport), "timeout", 5000, "heartbeatTimeout", 5000,
                "pollInterval", 100, "longPollTimeout", 5, "minReconnectDelay", 100, "maxReconnectDelay", 1000);
    }

    private static Harness open(String transport) {
        return Harness.open(browser, "herald.js");
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void receivesEveryPublicationInOrderOnce(String transport) throws Exception {
        String channel = "all." + transport;
        Harness page = open(transport).start(channel, only(transport), null).awaitOpen(1);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            if (i % 10 == 0) {
                browser.server().publish(channel, "{\"n\":" + i + "}", "application/json", "userlogin");
                expected.add("userlogin {\"n\":" + i + "}");
            } else {
                browser.server().publish(channel, "m" + i);
                expected.add("message \"m" + i + "\"");
            }
        }
        assertThat(page.settle(browser.server(), channel, 200)).isEqualTo(Harness.upTo(200));
        assertThat(page.eval("received.slice(0, 200).map(p => p.event + ' ' + JSON.stringify(p.data))")).isEqualTo(expected);
        assertThat(page.transport()).isEqualTo(transport);
        assertThat(page.states()).containsExactly("connecting:" + transport, "open:" + transport);
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void resumesWithoutLossOrDuplicateWhenTheServerDropsEveryConnection(String transport) throws Exception {
        String channel = "resume." + transport;
        Harness page = open(transport).start(channel, only(transport), null).awaitOpen(1);
        int drops = 0;
        for (int i = 1; i <= 200; i++) {
            browser.server().publish(channel, "m" + i);
            if (i % 40 == 20) {
                assertThat(browser.server().adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
                drops++;
            }
            Thread.sleep(5);
        }
        assertThat(drops).isEqualTo(5);
        assertThat(page.settle(browser.server(), channel, 200)).isEqualTo(Harness.upTo(200));
        assertThat(page.eval("received.slice(0, 200).map(p => p.data).join(' ')"))
                .isEqualTo(String.join(" ", LongStream.rangeClosed(1, 200).mapToObj(i -> "m" + i).toList()));
        if (!transport.endsWith("polling")) {
            // Polling holds no connection a drop could end: a held long poll is just answered.
            assertThat(page.states()).contains("reconnecting:" + transport);
        }
        assertThat(page.states()).doesNotContain("closed").allMatch(s -> s.endsWith(":" + transport));
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void reportsResetWhenTheResumePositionIsOfAnotherEpoch(String transport) {
        String channel = "reset." + transport;
        String current = null;
        for (int i = 1; i <= 3; i++) {
            current = browser.server().publish(channel, "old" + i).get("id").asText();
        }
        Harness page = open(transport).start(channel, only(transport), "zzzzzz-3").awaitResets(1);
        // The channel's stream still holds all it had: the reset is to its start, and its publications
        // follow (docs/protocol.md, "Resume rule").
        String start = StreamPosition.parse(current).epoch() + "-0";
        assertThat(page.eval("resets")).isEqualTo(List.of(Map.of("channel", channel, "id", start)));
        page.awaitOpen(1);
        browser.server().publish(channel, "new");
        page.awaitOffset(4);
        assertThat(page.eval("received.map(p => p.data)")).isEqualTo(List.of("old1", "old2", "old3", "new"));
        assertThat(page.eval("resets.length")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe"})
    void heartbeatsKeepAnIdleStreamOpen(String transport) throws Exception {
        // Server heartbeat 500 ms; the client gives up on a stream silent for 1500 ms. Idle for 4 s:
        // the client must see every heartbeat (SSE events, newlines, iframe comments, ping replies).
        Map<String, Object> options = new java.util.HashMap<>(only(transport));
        options.put("heartbeatTimeout", 1500);
        Harness page = open(transport).start("idle." + transport, options, null).awaitOpen(1);
        Thread.sleep(4000); // asserting that nothing happens in this time
        assertThat(page.states()).containsExactly("connecting:" + transport, "open:" + transport);
        browser.server().publish("idle." + transport, "still here");
        page.awaitOffset(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void hostilePayloadsArriveIntactAndRunNothing(String transport) {
        String channel = "hostile." + transport;
        Harness page = open(transport).start(channel, only(transport), null).awaitOpen(1);
        List<String> texts = List.of(
                "</script><script>window.pwned = 1</script>",
                "<!-- <script> \" ' & \\ `${x}` \u2028 line \u2029 para",
                "-->\n<img src=x onerror=\"window.pwned = 2\">\r\nend");
        for (String text : texts) {
            browser.server().publish(channel, text);
        }
        browser.server().publish(channel, "{\"html\":\"</script><script>window.pwned = 3</script>\",\"ls\":\"\u2028\"}",
                "application/json", null);
        page.awaitOffset(4);
        assertThat(page.eval("received.slice(0, 3).map(p => p.data)")).isEqualTo(texts);
        assertThat(page.eval("received[3].data")).isEqualTo(
                Map.of("html", "</script><script>window.pwned = 3</script>", "ls", "\u2028"));
        assertThat(page.eval("typeof window.pwned")).isEqualTo("undefined");
    }
}
