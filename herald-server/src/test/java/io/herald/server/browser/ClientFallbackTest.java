package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * herald.js with the default transport order behind a {@link TestProxy}: it moves on from what
 * does not work and still receives everything.
 */
@Tag("browser")
class ClientFallbackTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(Harness::clientTestServer);

    private static final Map<String, Object> OPTIONS = Map.of("timeout", 2000, "heartbeatTimeout", 4000,
            "longPollTimeout", 5, "pollInterval", 100, "minReconnectDelay", 100, "maxReconnectDelay", 1000);

    @Test
    void movesOnFromRefusedWebSocketUpgradesAndRemembersTheChoice() throws Exception {
        browser.allowConsoleError("WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed");
        try (TestProxy proxy = TestProxy.relaying(browser.server().port()).refuseWebSockets()) {
            Harness page = Harness.open(browser, proxy.origin(), "herald.js").start("fb.ws", OPTIONS, null).awaitOpen(1);
            assertThat(page.states()).containsExactly("connecting:websocket", "fallback:websocket>sse", "connecting:sse", "open:sse");
            publish("fb.ws", 200);
            assertThat(page.settle(browser.server(), "fb.ws", 200)).isEqualTo(Harness.upTo(200));

            // Same tab, same origin: the page's session remembers SSE, so WebSocket is not tried again.
            Harness again = Harness.open(browser, proxy.origin(), "herald.js").start("fb.ws", OPTIONS, null).awaitOpen(1);
            assertThat(again.states()).containsExactly("connecting:sse", "open:sse");
            again.close(); // before the proxy goes
        }
    }

    @Test
    void resumesWithoutLossOrDuplicateAcrossAChangeOfTransport() throws Exception {
        browser.allowConsoleError("WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed");
        try (TestProxy proxy = TestProxy.relaying(browser.server().port())) {
            Harness page = Harness.open(browser, proxy.origin(), "herald.js").start("fb.switch", OPTIONS, null).awaitOpen(1);
            publish("fb.switch", 100);
            page.awaitOffset(100);
            // WebSocket worked, then stops working: a few retries, then the next transport resumes after offset 100.
            proxy.refuseWebSockets();
            assertThat(browser.server().adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
            for (int i = 101; i <= 200; i++) {
                browser.server().publish("fb.switch", "m" + i);
            }
            assertThat(page.settle(browser.server(), "fb.switch", 200)).isEqualTo(Harness.upTo(200));
            assertThat(page.states()).startsWith("connecting:websocket", "open:websocket", "reconnecting:websocket")
                    .contains("fallback:websocket>sse").endsWith("open:sse");
            page.close(); // before the proxy goes
        }
    }

    @Test
    void movesOnFromStreamsHeldBackByABufferingProxyToLongPolling() throws Exception {
        try (TestProxy proxy = TestProxy.buffering(browser.server().port())) {
            Harness page = Harness.open(browser, proxy.origin(), "herald.js").start("fb.buffer", OPTIONS, null).awaitOpen(1);
            assertThat(page.states()).containsExactly(
                    "connecting:websocket", "fallback:websocket>sse",
                    "connecting:sse", "fallback:sse>xhr-streaming",
                    "connecting:xhr-streaming", "fallback:xhr-streaming>iframe",
                    "connecting:iframe", "fallback:iframe>long-polling",
                    "connecting:long-polling", "open:long-polling");
            assertThat(page.eval("states.filter(s => s.state === 'fallback').map(s => s.reason)"))
                    .isEqualTo(List.of("nothing received within 2000 ms", "nothing received within 2000 ms",
                            "nothing received within 2000 ms", "nothing received within 2000 ms"));
            publish("fb.buffer", 200);
            assertThat(page.settle(browser.server(), "fb.buffer", 200)).isEqualTo(Harness.upTo(200));
            assertThat(page.transport()).isEqualTo("long-polling");
            page.close(); // before the proxy goes
        }
    }

    private static void publish(String channel, int n) throws InterruptedException {
        for (int i = 1; i <= n; i++) {
            browser.server().publish(channel, "m" + i);
            if (i % 50 == 0) {
                Thread.sleep(20);
            }
        }
    }
}
