package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * herald.js shares one connection among the tabs of an origin (docs/architecture.md, "herald.js: one
 * connection per browser"): several tabs of one Chromium context, each a page of
 * {@code web-test/tabs.html}, in the two ways it shares: {@code worker} (a SharedWorker, the default)
 * and {@code leader} (the tab holding a Web Lock, relaying over a BroadcastChannel; SharedWorker off).
 */
@Tag("browser")
class SharedConnectionBrowserTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(Harness::clientTestServer);

    private static final double WAIT_MS = 60_000;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** The fixture's page (blank here) to the front, so that its screenshot after the test is taken at once. */
    @AfterEach
    void front() {
        browser.page().bringToFront();
    }

    /** Client options: one transport, short timeouts, and the way of sharing. */
    private static Map<String, Object> options(String mode, String transport) {
        Map<String, Object> o = new HashMap<>(ClientTransportsTest.only(transport));
        if (mode.equals("leader")) {
            o.put("sharedWorker", false);
        } else if (mode.equals("none")) {
            o.put("share", false);
        }
        return o;
    }

    /** A tab of the test's context with a client subscribed to channels (each "name" or "name@since"). */
    private static Page tab(Map<String, Object> options, String... channels) {
        Page tab = browser.newTab();
        browser.open(tab, browser.origin(), "tabs.html", Map.of("LIB", "herald.js"));
        List<Map<String, String>> subs = new ArrayList<>();
        for (String c : channels) {
            String[] parts = c.split("@", 2);
            Map<String, String> s = new HashMap<>();
            s.put("channel", parts[0]);
            s.put("since", parts.length > 1 ? parts[1] : null);
            subs.add(s);
        }
        tab.evaluate("a => start(a.options, a.subs)", Map.of("options", options, "subs", subs));
        tab.waitForFunction("() => ready()", null, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        return tab;
    }

    /** The publications a tab received on channel, as "ID DATA". */
    @SuppressWarnings("unchecked")
    private static List<String> received(Page tab, String channel) {
        return (List<String>) tab.evaluate("c => received[c]", channel);
    }

    private static void awaitCount(Page tab, String channel, int n) {
        tab.waitForFunction("a => received[a.c].length >= a.n", Map.of("c", channel, "n", n),
                new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
    }

    /** Publishes m1..mN (from .. to) on channel, returning "ID DATA" for each. */
    private static List<String> publish(String channel, int from, int to) {
        List<String> sent = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            sent.add(browser.server().publish(channel, "m" + i).get("id").asText() + " m" + i);
        }
        return sent;
    }

    private static void awaitSessions(int n) {
        TestServer.await(n + " session(s) on the server", DEADLINE, () -> browser.server().server().node().sessionCount() == n);
    }

    /** MODE:TRANSPORT; in the worker the iframe runs in a tab for it. */
    @ParameterizedTest
    @ValueSource(strings = {"worker:websocket", "leader:websocket", "worker:sse", "leader:sse", "worker:xhr-streaming",
            "worker:iframe", "leader:iframe"})
    void threeTabsWithOverlappingChannelsMakeOneConnectionAndEachGetsExactlyItsChannels(String modeAndTransport) {
        String mode = modeAndTransport.split(":")[0];
        String transport = modeAndTransport.split(":")[1];
        String a = "three." + mode + "." + transport + ".a";
        String b = "three." + mode + "." + transport + ".b";
        String c = "three." + mode + "." + transport + ".c";
        Map<String, Object> o = options(mode, transport);
        Page one = tab(o, a, b);
        Page two = tab(o, b, c);
        Page three = tab(o, a, c);
        awaitSessions(1);
        var stats = browser.server().server().node().transportStats().of(transport);
        assertThat(stats.sessions()).as(transport + " sessions").isEqualTo(1);
        assertThat(stats.subscriptions()).as("one subscription per channel").isEqualTo(3);
        List<String> sa = new ArrayList<>();
        List<String> sb = new ArrayList<>();
        List<String> sc = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            sa.addAll(publish(a, i, i));
            sb.addAll(publish(b, i, i));
            sc.addAll(publish(c, i, i));
        }
        for (Page t : List.of(one, two, three)) {
            for (String ch : List.of(a, b, c)) {
                if (t.evaluate("c => !!subs[c]", ch).equals(true)) {
                    awaitCount(t, ch, 30);
                }
            }
        }
        assertThat(received(one, a)).isEqualTo(sa);
        assertThat(received(one, b)).isEqualTo(sb);
        assertThat(received(two, b)).isEqualTo(sb);
        assertThat(received(two, c)).isEqualTo(sc);
        assertThat(received(three, a)).isEqualTo(sa);
        assertThat(received(three, c)).isEqualTo(sc);
        for (Page t : List.of(one, two, three)) {
            assertThat(t.evaluate("() => Object.keys(received).sort()")).as("only its channels")
                    .isEqualTo(t.evaluate("() => Object.keys(subs).sort()"));
            assertThat(t.evaluate("() => errors")).isEqualTo(List.of());
            assertThat(t.evaluate("() => client.transport")).isEqualTo(transport);
        }
        assertThat(browser.server().server().node().sessionCount()).as("still one session").isEqualTo(1);
    }

    /** leader-client: the leading tab stays, its client closes (the lead passes on all the same). */
    @ParameterizedTest
    @ValueSource(strings = {"worker", "leader", "leader-client"})
    void closingTheTabThatRunsTheConnectionMidStreamLosesNothingInTheOthers(String how) throws Exception {
        String mode = how.split("-")[0];
        String x = "close." + how + ".x";
        String y = "close." + how + ".y";
        Map<String, Object> o = options(mode, "websocket");
        List<Page> tabs = new ArrayList<>(List.of(tab(o, x, y), tab(o, x), tab(o, x, y)));
        awaitSessions(1);
        Page closing = tabs.get(0);
        if (mode.equals("leader")) {
            closing = tabs.stream().filter(t -> t.evaluate("() => leads()").equals(true)).findFirst().orElseThrow();
        }
        List<String> sx = new ArrayList<>();
        List<String> sy = new ArrayList<>();
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= 150; i++) {
                sx.addAll(publish(x, i, i));
                sy.addAll(publish(y, i, i));
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        awaitCount(closing, x, 40);
        if (how.equals("leader-client")) {
            closing.evaluate("() => client.close()");
        } else {
            closing.close();
        }
        tabs.remove(closing);
        publishing.get();
        for (Page t : tabs) {
            awaitCount(t, x, 150);
            assertThat(t.evaluate("() => client.state")).isEqualTo("open");
            assertThat(received(t, x)).isEqualTo(sx);
            if (t.evaluate("c => !!subs[c]", y).equals(true)) {
                awaitCount(t, y, 150);
                assertThat(received(t, y)).isEqualTo(sy);
            }
        }
        if (mode.equals("leader")) {
            assertThat(tabs.stream().filter(t -> t.evaluate("() => leads()").equals(true)).count())
                    .as("another tab took the lead").isEqualTo(1);
        }
        awaitSessions(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"worker", "leader"})
    void aTabOpenedLaterGetsOnlyNewPublicationsUnlessItAsksForAPosition(String mode) {
        String x = "later." + mode + ".x";
        Map<String, Object> o = options(mode, "websocket");
        Page first = tab(o, x);
        List<String> sent = publish(x, 1, 10);
        awaitCount(first, x, 10);
        Page fresh = tab(o, x);
        String third = sent.get(2).split(" ")[0];
        Page resuming = tab(o, x + "@" + third);
        sent.addAll(publish(x, 11, 15));
        awaitCount(first, x, 15);
        awaitCount(fresh, x, 5);
        awaitCount(resuming, x, 12);
        assertThat(received(first, x)).isEqualTo(sent);
        assertThat(received(fresh, x)).as("only what was published after it subscribed").isEqualTo(sent.subList(10, 15));
        assertThat(received(resuming, x)).as("caught up from its position").isEqualTo(sent.subList(3, 15));
        assertThat(browser.server().server().node().sessionCount()).isEqualTo(1);
    }

    /**
     * Ten subscribe calls in a row open one stream carrying the ten channels (share off: the page
     * runs it and counts its EventSources); an eleventh reopens it from the cursor while publishing,
     * and nothing is lost or repeated.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void tenSubscribesInARowOpenOneStreamAndAnotherReopensItWithoutLoss(String transport) throws Exception {
        Map<String, Object> o = options("none", transport);
        String[] channels = IntStream.rangeClosed(1, 10).mapToObj(i -> "ten." + transport + "." + i).toArray(String[]::new);
        Page page = tab(o, channels);
        boolean streaming = !transport.endsWith("polling");
        if (streaming) {
            awaitSessions(1);
            var stats = browser.server().server().node().transportStats().of(transport);
            assertThat(stats.subscriptions()).as("ten channels on one session").isEqualTo(10);
        }
        if (transport.equals("sse")) {
            assertThat(page.evaluate("() => eventSources")).as("EventSources opened").isEqualTo(1);
        }
        List<String> first = new ArrayList<>();
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= 60; i++) {
                first.addAll(publish(channels[0], i, i));
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        awaitCount(page, channels[0], 10);
        page.evaluate("c => add(c)", "ten." + transport + ".11");
        publishing.get();
        List<String> last = publish(channels[9], 1, 3);
        awaitCount(page, channels[0], 60);
        awaitCount(page, channels[9], 3);
        assertThat(received(page, channels[0])).isEqualTo(first);
        assertThat(received(page, channels[9])).isEqualTo(last);
        page.waitForFunction("() => ready()", null, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        List<String> eleventh = publish("ten." + transport + ".11", 1, 2);
        awaitCount(page, "ten." + transport + ".11", 2);
        assertThat(received(page, "ten." + transport + ".11")).isEqualTo(eleventh);
        if (streaming) {
            awaitSessions(1);
            assertThat(browser.server().server().node().transportStats().of(transport).subscriptions()).isEqualTo(11);
        }
        if (transport.equals("sse")) {
            assertThat(page.evaluate("() => eventSources")).as("one reopen for the eleventh").isEqualTo(2);
        }
        page.evaluate("() => client.close()");
    }

    /**
     * Why the worker is a file the server serves (/herald-worker.js) and not a Blob URL: a SharedWorker
     * is found by its script URL, and each document's Blob URL is its own, so two tabs building the
     * same script get two workers (each counting one connection). (With the served file the tabs get
     * one worker: the three-tab test counts one session.)
     */
    @Test
    void aBlobUrlWouldGiveEachTabItsOwnSharedWorker() {
        String count = "var n = 0; onconnect = function (e) { n++; e.ports[0].postMessage(n); };";
        List<Object> viaBlob = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Page tab = browser.newTab();
            browser.open(tab, browser.origin(), "tabs.html", Map.of("LIB", "herald.js"));
            viaBlob.add(tab.evaluate("code => new Promise(r => { var w = new SharedWorker(URL.createObjectURL("
                    + "new Blob([code], {type: 'text/javascript'})), {name: 'blob-check'}); w.port.onmessage = e => r(e.data); })", count));
        }
        assertThat(viaBlob).as("each tab's Blob URL worker has one connection: two workers").isEqualTo(List.of(1, 1));
        // The control: one document connecting twice to its own Blob URL reaches one worker (2 connections).
        Page tab = browser.newTab();
        browser.open(tab, browser.origin(), "tabs.html", Map.of("LIB", "herald.js"));
        assertThat(tab.evaluate("code => { var url = URL.createObjectURL(new Blob([code], {type: 'text/javascript'}));"
                + " var connect = () => new Promise(r => { new SharedWorker(url, {name: 'blob-check'}).port.onmessage = e => r(e.data); });"
                + " return connect().then(a => connect().then(b => [a, b])); }", count)).isEqualTo(List.of(1, 2));
    }

    @Test
    void shareFalseGivesEachTabItsOwnConnection() {
        String x = "own.x";
        Map<String, Object> o = options("none", "websocket");
        Page one = tab(o, x);
        Page two = tab(o, x);
        awaitSessions(2);
        List<String> sent = publish(x, 1, 20);
        awaitCount(one, x, 20);
        awaitCount(two, x, 20);
        assertThat(received(one, x)).isEqualTo(sent);
        assertThat(received(two, x)).isEqualTo(sent);
        assertThat(IntStream.of(browser.server().server().node().sessionCount())).containsExactly(2);
    }
}
