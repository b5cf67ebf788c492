package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The test page {@code web-test/harness.html} seen from Java: it creates a herald.js client on the
 * page's origin, subscribes to one channel and records publications, resets, state events and
 * errors in page globals, which these methods read back.
 */
final class Harness {
    private static final double WAIT_MS = 60_000;

    private final Page page;

    private Harness(Page page) {
        this.page = page;
    }

    /**
     * The server settings of the herald.js tests: the admin switch on (to drop every connection)
     * and a 500 ms heartbeat, so that a client sees a silent stream within its short timeouts.
     */
    static ServerConfig.Builder clientTestServer(ServerConfig.Builder cfg) {
        return cfg.adminEnabled(true).heartbeat(Duration.ofMillis(500));
    }

    /** Opens the harness at the fixture's server, loading the client from {@code lib} (e.g. {@code herald.js}). */
    static Harness open(BrowserFixture browser, String lib) {
        return open(browser, browser.origin(), lib);
    }

    /** Opens the harness at {@code origin} loading the client from {@code lib} (e.g. {@code herald.js}). */
    static Harness open(BrowserFixture browser, String origin, String lib) {
        browser.open(origin, "harness.html", Map.of("LIB", lib));
        return new Harness(browser.page());
    }

    /** {@code new Herald('', options).subscribe(channel, ..., {since})}; since may be null. */
    Harness start(String channel, Map<String, Object> options, String since) {
        Map<String, Object> args = new HashMap<>();
        args.put("channel", channel);
        args.put("options", options);
        args.put("since", since);
        page.evaluate("a => start(a.channel, a.options, a.since)", args);
        return this;
    }

    /**
     * Waits until a state event {@code open} has been seen {@code times} times in all and the
     * subscription knows its position (from then on nothing published is missed).
     */
    Harness awaitOpen(int times) {
        page.waitForFunction("n => states.filter(s => s.state === 'open').length >= n && subscription.lastId !== null", times,
                new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        return this;
    }

    /** Waits until a publication with {@code offset} has arrived. */
    Harness awaitOffset(int offset) {
        page.waitForFunction("n => received.some(p => p.offset === n)", offset,
                new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        return this;
    }

    /** Waits until {@code n} resets have been reported. */
    Harness awaitResets(int n) {
        page.waitForFunction("n => resets.length >= n", n,
                new Page.WaitForFunctionOptions().setTimeout(WAIT_MS).setPollingInterval(50));
        return this;
    }

    /**
     * Waits for offset {@code n}, then publishes one more ({@code "end"}, offset n + 1) and waits for
     * it: everything before it on the ordered stream, duplicates included, has arrived by then.
     *
     * @return the offsets received before the sentinel, in order
     */
    List<Long> settle(TestServer server, String channel, int n) {
        awaitOffset(n);
        server.publish(channel, "end");
        awaitOffset(n + 1);
        List<Long> all = offsets();
        assertThat(all).as("the sentinel comes last").last().isEqualTo(n + 1L);
        return all.subList(0, all.size() - 1);
    }

    /** 1, 2, ..., n. */
    static List<Long> upTo(int n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    /** The offsets received, in order. */
    List<Long> offsets() {
        return ((List<?>) page.evaluate("() => received.map(p => p.offset)")).stream()
                .map(o -> ((Number) o).longValue()).toList();
    }

    /** What the page evaluates {@code expression} to, e.g. {@code "received.map(p => p.data)"}. */
    Object eval(String expression) {
        return page.evaluate("() => " + expression);
    }

    /** The state events, as {@code state:transport} or {@code fallback:from>to}. */
    @SuppressWarnings("unchecked")
    List<String> states() {
        return (List<String>) page.evaluate("() => stateNames()");
    }

    /** The transport the client is open on, or null. */
    String transport() {
        return (String) page.evaluate("() => client.transport");
    }

    /** {@code client.close()}: ends every connection, state {@code closed}. */
    void close() {
        page.evaluate("() => client.close()");
    }

    Page page() {
        return page;
    }
}
