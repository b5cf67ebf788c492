package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seeds' own client snippets (shared/seeds), run by Chromium from {@code web-test/seeds.html}
 * with nothing but the browser's APIs, against Herald's matching endpoints; publications are made
 * from Java. {@link io.herald.server.SeedSnippetsTest} replays the same requests without a browser.
 */
@Tag("browser")
class SeedSnippetsBrowserTest {
    private static final double WAIT_MS = 30_000;
    /** Markup, quotes, U+2028 and U+2029: must arrive as text and run nothing. */
    private static final String HOSTILE = "</script><script>window.pwned=1</script> \"double\" 'single' `${x}`"
            + " \u2028 line \u2029 para <img src=x onerror=\"window.pwned=2\"> &amp;";

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> { });

    private static Page open() {
        browser.open(browser.origin(), "seeds.html", Map.of());
        return browser.page();
    }

    /** Waits until {@code channel} has a subscriber on the server (the page's connection is registered). */
    private static void awaitSubscriber(String channel) {
        TestServer.await("a subscriber of " + channel, Duration.ofSeconds(30),
                () -> browser.server().server().node().hub().subscriberCount(channel) > 0);
    }

    /** Waits until the page has logged {@code n} texts under {@code name}; returns them. */
    @SuppressWarnings("unchecked")
    private static List<Object> awaitLogged(Page page, String name, int n) {
        page.waitForFunction("a => (got[a.name] || []).length >= a.n", Map.of("name", name, "n", n),
                new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        return (List<Object>) page.evaluate("name => got[name]", name);
    }

    private static List<Object> texts(String prefix, int from, int to) {
        return IntStream.rangeClosed(from, to).<Object>mapToObj(i -> prefix + i).toList();
    }

    @Test
    void eventSourceMessageOpenAndUserloginListeners() {
        Page page = open();
        page.evaluate("() => { window.source = seedEventSource('seed.sse'); }");
        awaitSubscriber("seed.sse");
        browser.server().publish("seed.sse", "plain message");
        browser.server().publish("seed.sse", "{\"username\": \"John123\"}", "application/json", "userlogin");
        browser.server().publish("seed.sse", HOSTILE);
        for (int i = 1; i <= 20; i++) {
            browser.server().publish("seed.sse", "m" + i);
        }
        List<Object> expected = new ArrayList<>(List.<Object>of("message plain message", "userlogin {\"username\": \"John123\"}",
                "message " + HOSTILE));
        expected.addAll(texts("message m", 1, 20));
        assertThat(awaitLogged(page, "sse", 23)).isEqualTo(expected);
        assertThat(page.evaluate("() => got['sse-onmessage']")).as("onmessage sees the 'message' events only")
                .isEqualTo(expected.stream().filter(t -> ((String) t).startsWith("message "))
                        .map(t -> ((String) t).substring("message ".length())).toList());
        assertThat(page.evaluate("() => got['sse-open']")).isEqualTo(List.of("open"));
        assertThat(page.evaluate("() => document.querySelector('#log-sse li:nth-child(3)').textContent"))
                .isEqualTo("message " + HOSTILE);
        assertThat(page.evaluate("() => typeof window.pwned")).isEqualTo("undefined");
    }

    @Test
    void webSocketSendsPingOnOpenAndLogsWhatTheServerSends() {
        Page page = open();
        page.evaluate("() => { window.connection = seedWebSocket('seed.ws'); }");
        // The socket publishes its own 'Ping' to its channel and, subscribed, receives it back:
        // once it has, the subscription is live.
        assertThat(awaitLogged(page, "ws", 1)).containsExactly("Server: Ping");
        for (int i = 1; i <= 20; i++) {
            browser.server().publish("seed.ws", "hello " + i);
        }
        List<Object> expected = new ArrayList<>(List.<Object>of("Server: Ping"));
        expected.addAll(texts("Server: hello ", 1, 20));
        assertThat(awaitLogged(page, "ws", 21)).isEqualTo(expected);
        assertThat(page.evaluate("() => got['ws-error']")).isNull();
    }

    @Test
    void setIntervalWithFetchPollsEverySecond() {
        shortPolling("seedFetchPolling", "fetch-poll");
    }

    @Test
    void setIntervalWithXmlHttpRequestPollsEverySecond() {
        shortPolling("seedXhrPolling", "xhr-poll");
    }

    private static void shortPolling(String function, String name) {
        String channel = "seed." + name;
        Page page = open();
        page.evaluate("c => " + function + "(c)", channel);
        page.waitForFunction("n => ready[n]", name, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS));
        for (int i = 1; i <= 3; i++) {
            browser.server().publish(channel, "n" + i);
        }
        assertThat(awaitLogged(page, name, 3)).isEqualTo(texts("n", 1, 3));
        for (int i = 4; i <= 6; i++) {
            browser.server().publish(channel, "n" + i);
        }
        assertThat(awaitLogged(page, name, 6)).isEqualTo(texts("n", 1, 6));
    }

    @Test
    void recursiveLongPollingLosesNothingBetweenRequests() throws Exception {
        Page page = open();
        page.evaluate("() => seedLongPolling('seed.comet')");
        page.waitForFunction("() => ready['long-poll']", null, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS));
        // Published in bursts while the page is between requests and while a request is held.
        for (int i = 1; i <= 40; i++) {
            browser.server().publish("seed.comet", "n" + i);
            if (i % 10 == 0) {
                awaitLogged(page, "long-poll", i - 5);
            }
        }
        assertThat(awaitLogged(page, "long-poll", 40)).isEqualTo(texts("n", 1, 40));
        browser.server().publish("seed.comet", "end");
        assertThat(awaitLogged(page, "long-poll", 41)).as("none twice").hasSize(41).last().isEqualTo("end");
    }

    @Test
    void hiddenIframeCallsTheParentFunction() {
        Page page = open();
        page.evaluate("() => { seedIframe('seed.iframe'); }");
        awaitSubscriber("seed.iframe");
        browser.server().publish("seed.iframe", "data from server");
        browser.server().publish("seed.iframe", HOSTILE);
        browser.server().publish("seed.iframe", "-->\n<!-- \r\n </body></html>");
        for (int i = 1; i <= 20; i++) {
            browser.server().publish("seed.iframe", "m" + i);
        }
        List<Object> expected = new ArrayList<>(List.<Object>of("data from server", HOSTILE, "-->\n<!-- \r\n </body></html>"));
        expected.addAll(texts("m", 1, 20));
        assertThat(awaitLogged(page, "iframe", 23)).isEqualTo(expected);
        assertThat(page.evaluate("() => document.querySelector('#log-iframe li:nth-child(2)').textContent")).isEqualTo(HOSTILE);
        assertThat(page.evaluate("() => typeof window.pwned")).isEqualTo("undefined");
        assertThat(page.evaluate("() => typeof document.querySelector('iframe').contentWindow.pwned")).isEqualTo("undefined");
    }
}
