package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chromium's native {@code EventSource} on {@code /sse?channel=a&channel=b} (docs/protocol.md,
 * "Several channels on one request"): the server drops the connection while publications go on;
 * the browser reconnects by itself with {@code Last-Event-ID} (the cursor) and the page gets every
 * publication of both channels exactly once, in order.
 */
@Tag("browser")
class MultiChannelEventSourceTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> cfg.adminEnabled(true).sseRetry(Duration.ofMillis(200)));

    @Test
    void nativeEventSourceResumesBothChannelsThroughLastEventIdAcrossServerSideDisconnects() {
        TestServer server = browser.server();
        browser.open(browser.origin(), "multi-sse.html", Map.of("A", "ba", "B", "bb"));
        Page page = browser.page();
        awaitOpens(page, 1);
        List<Object> expected = new ArrayList<>();
        int n = 0;
        for (int round = 1; round <= 4; round++) {
            for (int i = 0; i < 10; i++, n++) {
                String channel = n % 3 == 0 ? "bb" : "ba";
                server.publish(channel, "m" + n);
                expected.add(channel + " m" + n);
            }
            if (round < 4) {
                long before = server.server().node().disconnectCounts().get(Disconnect.FORCE_RECONNECT);
                assertThat(server.adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
                TestServer.await("the session dropped", Duration.ofSeconds(10),
                        () -> server.server().node().disconnectCounts().get(Disconnect.FORCE_RECONNECT) > before);
                // Published while the browser waits to reconnect: only its Last-Event-ID (the cursor) brings them back.
                for (int i = 0; i < 5; i++, n++) {
                    String channel = i % 2 == 0 ? "bb" : "ba";
                    server.publish(channel, "m" + n);
                    expected.add(channel + " m" + n);
                }
                awaitOpens(page, round + 1);
            }
        }
        page.waitForFunction("n => got.length >= n", expected.size(),
                new Page.WaitForFunctionOptions().setTimeout(30_000).setPollingInterval(50));
        @SuppressWarnings("unchecked")
        List<Object> got = (List<Object>) page.evaluate("() => got");
        assertThat(got).as("nothing twice").hasSameSizeAs(expected);
        for (String channel : List.of("ba", "bb")) {
            // Per channel in order; across channels a resume replays one channel's history after the other's.
            assertThat(got).filteredOn(m -> ((String) m).startsWith(channel + " "))
                    .containsExactlyElementsOf(expected.stream().filter(m -> ((String) m).startsWith(channel + " ")).toList());
        }
        String lastEventId = (String) page.evaluate("() => { source.close(); return lastId; }");
        assertThat(lastEventId).as("the cursor of both channels").matches("[a-z0-9]+-\\d+,[a-z0-9]+-\\d+");
        assertThat((Integer) page.evaluate("() => opens")).isEqualTo(4);
        server.awaitNoSessions();
    }

    private static void awaitOpens(Page page, int opens) {
        page.waitForFunction("n => opens >= n", opens, new Page.WaitForFunctionOptions().setTimeout(30_000).setPollingInterval(20));
    }
}
