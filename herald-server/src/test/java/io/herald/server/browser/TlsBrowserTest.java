package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chromium on an {@code https://} page of a Herald that speaks TLS with a self-signed certificate
 * (accepted by the launch flag {@code --ignore-certificate-errors}): HTTP/2 carries many open
 * streams on one connection, and herald.js works unchanged over {@code https://} and {@code wss://}
 * (docs/protocol.md, "TLS and HTTP/2").
 */
@Tag("browser")
class TlsBrowserTest {
    @RegisterExtension
    static final BrowserFixture browser = BrowserFixture.tls(Harness::clientTestServer);

    @Test
    void anHttpsPageSubscribesToTenChannelsOverSseAtOnceAndReceivesOnAll() {
        Page page = browser.page();
        page.navigate(browser.origin() + "/herald.d.ts");
        assertThat(page.evaluate("() => performance.getEntriesByType('navigation')[0].nextHopProtocol"))
                .as("the protocol Chromium chose by ALPN").isEqualTo("h2");
        page.setContent("<!DOCTYPE html><title>10 SSE over HTTP/2</title><h1>Ten EventSources, one HTTP/2 connection</h1><ol id=log></ol>");
        // Over HTTP/1.1, six connections per origin at most: the seventh to the tenth would stall.
        page.evaluate("() => { window.opened = 0; window.got = {}; window.sources = [];"
                + " for (let i = 0; i < 10; i++) { const es = new EventSource('/sse/tls10.' + i);"
                + " es.onopen = () => opened++;"
                + " es.onmessage = e => { (got[i] = got[i] || []).push(e.data);"
                + " const li = document.createElement('li'); li.textContent = 'tls10.' + i + ': ' + e.data; log.appendChild(li); };"
                + " sources.push(es); } }");
        page.waitForFunction("() => opened === 10", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        io.herald.server.testing.TestServer.await("ten subscriptions", Duration.ofSeconds(10),
                () -> browser.server().server().node().subscriptionCount() == 10);
        for (int round = 1; round <= 3; round++) {
            for (int i = 0; i < 10; i++) {
                browser.server().publish("tls10." + i, "round " + round + " to " + i);
            }
        }
        page.waitForFunction("() => Object.keys(got).length === 10 && Object.values(got).every(g => g.length === 3)",
                null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        for (int i = 0; i < 10; i++) {
            int channel = i;
            assertThat(page.evaluate("i => got[i]", i)).as("channel %d", i)
                    .isEqualTo(IntStream.rangeClosed(1, 3).mapToObj(r -> "round " + r + " to " + channel).toList());
        }
        page.evaluate("() => sources.forEach(es => es.close())");
        browser.server().awaitNoSessions();
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void heraldJsWorksUnchangedOverHttpsAndWss(String transport) {
        String channel = "tls." + transport;
        Harness page = Harness.open(browser, "herald.js").start(channel, ClientTransportsTest.only(transport), null).awaitOpen(1);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            browser.server().publish(channel, "m" + i);
            expected.add("m" + i);
        }
        assertThat(page.settle(browser.server(), channel, 50)).isEqualTo(Harness.upTo(50));
        assertThat(page.eval("received.slice(0, 50).map(p => p.data)")).isEqualTo(expected);
        assertThat(page.transport()).isEqualTo(transport);
        assertThat(page.states()).containsExactly("connecting:" + transport, "open:" + transport);
        assertThat(page.eval("client._base")).isEqualTo(browser.origin());
        page.close();
        browser.server().awaitNoSessions();
    }
}
