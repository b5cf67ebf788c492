package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ticker demo on a slow connection (docs/protocol.md, "Conflation"): Chromium behind a
 * {@link TestProxy#throttled throttled proxy} well below the feed's rate (six symbols five times a
 * second, about 7.7 KB/s of envelopes, through 3 KB/s) stays connected, is told how many updates were
 * skipped, and keeps showing current prices: the newest price on the page stays less than 20 s old
 * (the queue at the conflation threshold, plus the socket buffers in front of it: the server's
 * {@code limits.socket-send-buffer} is 8 KiB here).
 * Chromium's own throttling (CDP {@code Network.emulateNetworkConditions}, 2 KB/s) was tried first:
 * in 60 s the server saw no backpressure (the loopback socket buffers absorb the difference).
 */
@Tag("browser")
class ConflationBrowserTest {
    private static final double WAIT_MS = 60_000;
    private static final int BYTES_PER_SECOND = 3000;
    /** The age of the newest price shown on the page, in ms, by the page's clock (the machine's). */
    private static final String AGE = "() => Date.now() - Math.max(...[...document.querySelectorAll('.quote .price')]"
            + ".map(e => Number(e.dataset.time || 0)))";

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> cfg.demo(true).socketSendBuffer(8192).node(NodeConfig.builder()
            .maxPayloadBytes(4096).queueMaxBytes(8 * 1024)
            .namespace("demo", NamespaceOptions.builder().historyAge(Duration.ofDays(1)).conflation(true).build())
            .build()));

    private static void await(Page page, String condition) {
        page.waitForFunction(condition, null, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(100));
    }

    private static long age(Page page) {
        return ((Number) page.evaluate(AGE)).longValue();
    }

    @Test
    void aThrottledTickerStaysConnectedAndShowsCurrentPrices() throws Exception {
        try (TestProxy proxy = TestProxy.throttled(browser.server().port())) {
            Page page = browser.page();
            page.setViewportSize(1100, 800);
            page.navigate(proxy.origin() + "/demo/ticker.html");
            page.waitForSelector("#state[data-state=open]", new Page.WaitForSelectorOptions().setTimeout(WAIT_MS));
            await(page, "() => document.querySelectorAll('#board .quote').length === 6");
            var node = browser.server().server().node();
            var disconnectsBefore = node.disconnectCounts();
            proxy.throttle(BYTES_PER_SECOND); // the page and its history are loaded: now the link turns slow
            await(page, "() => !document.getElementById('skipped-note').hidden");
            // Fifteen seconds more, sampling how old the newest price on the page is: without conflation
            // the page would fall further behind (0.6 s per second at these rates) until cut with 4000.
            long maxAge = 0;
            for (int i = 0; i < 15; i++) {
                Thread.sleep(1000); // the time that passes is what is measured: how far behind the page falls
                maxAge = Math.max(maxAge, age(page));
            }
            System.out.printf("conflation in Chromium at %d B/s: newest price at most %d ms old over 15 s; %s;"
                    + " server queue %d bytes%n", BYTES_PER_SECOND, maxAge, page.textContent("#skipped"), node.backlogBytes());
            assertThat(maxAge).as("age of the newest price shown, ms").isLessThan(20_000);
            assertThat(page.getAttribute("#state", "data-state")).isEqualTo("open");
            assertThat(node.disconnectCounts()).as("no session ended meanwhile (none cut, none reconnected)")
                    .isEqualTo(disconnectsBefore);
            assertThat(node.transportStats().of("websocket").conflated()).isPositive();
            assertThat(node.backlogBytes()).isLessThanOrEqualTo(8 * 1024);
            page.navigate("about:blank"); // before the proxy goes
        }
    }
}
