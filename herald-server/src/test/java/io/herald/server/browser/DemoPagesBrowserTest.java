package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each demo page under {@code /demo/} in Chromium against a server with the demo feeds on
 * ({@code --demo}): it loads with no console error and shows live data. Once it does, a screenshot of
 * the viewport goes to {@code target/screenshots/demo-NAME.png}; {@code scripts/demo-screenshots.sh}
 * copies them to {@code docs/screenshots/} for the README.
 */
@Tag("browser")
class DemoPagesBrowserTest {
    private static final double WAIT_MS = 30_000;
    /** How soon another page must show a publication ("at once", with room for a loaded machine). */
    private static final double AT_ONCE_MS = 5_000;

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> cfg.demo(true).node(NodeConfig.builder()
            // as ./herald --demo configures it: a day of history, presence and join/leave for the chat
            .namespace("demo", NamespaceOptions.builder().historyAge(Duration.ofDays(1)).presence(true).joinLeave(true).build())
            .build()));

    /** Opens {@code /demo/NAME.html} in {@code page} at the screenshots' viewport size. */
    private static Page load(Page page, String name) {
        page.setViewportSize(1100, 800);
        page.navigate(browser.origin() + "/demo/" + name + ".html");
        return page;
    }

    private static void awaitOpen(Page page) {
        page.waitForSelector("#state[data-state=open]", new Page.WaitForSelectorOptions().setTimeout(WAIT_MS));
    }

    private static void await(Page page, String condition, Object arg, double timeoutMs) {
        page.waitForFunction(condition, arg, new Page.WaitForFunctionOptions().setTimeout(timeoutMs).setPollingInterval(50));
    }

    private static String text(Page page, String selector) {
        return page.textContent(selector);
    }

    private static void screenshot(Page page, String name) throws IOException {
        Path path = BrowserFixture.SCREENSHOTS.resolve("demo-" + name + ".png");
        Files.createDirectories(path.getParent());
        page.screenshot(new Page.ScreenshotOptions().setPath(path));
    }

    @Test
    void counter() throws IOException {
        browser.server().publish("demo:signups", "{\"name\":\"Zhang Min\"}", "application/json", "signup");
        browser.server().publish("demo:signups", "{\"name\":\"Ana Souza\"}", "application/json", "signup");
        Page page = load(browser.page(), "counter");
        Page other = load(browser.newVisitor(), "counter");
        for (Page p : List.of(page, other)) {
            awaitOpen(p);
            await(p, "() => document.getElementById('count').textContent === '2'", null, WAIT_MS);
        }
        assertThat(text(other, "#names li")).startsWith("Ana Souza");

        page.fill("#name", "Li Wei");
        page.click("#submit");
        await(other, "() => document.getElementById('count').textContent === '3'", null, AT_ONCE_MS);
        assertThat(text(other, "#names li")).startsWith("Li Wei").contains("#3 at ");
        assertThat(text(other, "#left")).isEqualTo("97 of 100 places left");
        await(page, "() => document.getElementById('form-message').textContent.startsWith('Signed up')", null, WAIT_MS);
        assertThat(text(page, "#count")).isEqualTo("3");
        screenshot(page, "counter");
    }

    @Test
    void chat() throws IOException {
        Page page = load(browser.page(), "chat");
        Page other = load(browser.newVisitor(), "chat");
        awaitOpen(page);
        assertThat(text(page, "#state")).isEqualTo("open \u00b7 websocket");
        // The other visitor chats over SSE, posting what it says.
        awaitOpen(other);
        other.selectOption("#transport", "sse");
        other.waitForSelector("#state[data-state=open]:has-text('sse')", new Page.WaitForSelectorOptions().setTimeout(WAIT_MS));

        // Who is here: both visitors, on the WebSocket page (join events) and the SSE one (polled)
        for (Page p : List.of(page, other)) {
            await(p, "() => document.getElementById('online-count').textContent === '2'"
                    + " && document.querySelectorAll('#online li').length === 2", null, WAIT_MS);
        }
        assertThat(page.evaluate("() => [...document.querySelectorAll('#online li')].map(li => li.textContent)"))
                .asList().allSatisfy(who -> assertThat((String) who).matches("visitor [a-z0-9]{8}-[0-9]+"));

        page.fill("#name", "Li Wei");
        page.fill("#text", "Hello! Is the sign-up still open?");
        page.click("#send");
        await(other, "t => [...document.querySelectorAll('#log li')].some(li => li.textContent.endsWith(t))",
                "Li WeiHello! Is the sign-up still open?", AT_ONCE_MS);

        other.fill("#name", "Ana");
        other.fill("#text", "Yes, 97 places left <3 <b>Sign up</b> now");
        other.click("#send");
        await(page, "t => [...document.querySelectorAll('#log li')].some(li => li.textContent.endsWith(t))",
                "AnaYes, 97 places left <3 <b>Sign up</b> now", AT_ONCE_MS);
        assertThat(page.evaluate("() => document.querySelectorAll('#log b').length")).as("text, not markup").isEqualTo(0);
        assertThat(page.evaluate("() => [...document.querySelectorAll('#log .event')].map(e => e.textContent)"))
                .isEqualTo(List.of("join", "join"));
        assertThat(page.evaluate("() => document.getElementById('log').textContent")).asString().doesNotContain("No messages yet");
        screenshot(page, "chat");

        // The other visitor leaves: the WebSocket page hears it at once and shows one visitor
        other.close();
        await(page, "() => document.getElementById('online-count').textContent === '1'", null, AT_ONCE_MS);
    }

    @Test
    void clock() throws IOException {
        Page page = load(browser.page(), "clock");
        awaitOpen(page);
        await(page, "() => /^\\d\\d:\\d\\d:\\d\\d$/.test(document.getElementById('time').textContent)", null, WAIT_MS);
        String first = text(page, "#time");
        await(page, "t => document.getElementById('time').textContent !== t", first, WAIT_MS);
        await(page, "() => Number(document.getElementById('ticks').textContent) >= 2", null, WAIT_MS);
        assertThat(text(page, "#iso")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z");
        assertThat(text(page, "#delay")).matches("-?\\d+ ms");
        assertThat(page.getAttribute("#second", "transform")).startsWith("rotate(");
        screenshot(page, "clock");
    }

    @Test
    void ticker() throws IOException {
        Page page = load(browser.page(), "ticker");
        awaitOpen(page);
        await(page, "() => document.querySelectorAll('#board .quote').length === 6", null, WAIT_MS);
        await(page, "() => /^\\d+\\.\\d\\d$/.test(document.querySelector('.quote .price').textContent)", null, WAIT_MS);
        String price = text(page, ".quote .price");
        String last = text(page, "#last");
        await(page, "a => document.getElementById('last').textContent !== a", last, WAIT_MS);
        // A random walk may repeat a price for a tick or two; over a few seconds, at least one of six moves.
        String prices = String.join(" ", page.locator(".quote .price").allTextContents());
        await(page, "p => [...document.querySelectorAll('.quote .price')].map(e => e.textContent).join(' ') !== p", prices, WAIT_MS);
        assertThat(price).isNotBlank();
        await(page, "() => /^\\d+(\\.\\d)?$/.test(document.getElementById('rate').textContent)", null, WAIT_MS);
        // Every chart has drawn something: some pixel is not transparent.
        await(page, "() => [...document.querySelectorAll('.quote canvas')].every(c => c.width > 1"
                + " && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0))",
                null, WAIT_MS);
        // Six seconds of the feed, so that the screenshot shows charts with some history.
        await(page, "() => Number(document.getElementById('count').textContent) >= 30", null, WAIT_MS);
        assertThat(page.locator(".quote .change").allTextContents()).allMatch(t -> t.matches("[+-]?\\d+\\.\\d\\d\\s+[+-]?\\d+\\.\\d\\d%"));
        screenshot(page, "ticker");
    }

    @Test
    void lab() throws IOException {
        Page page = load(browser.page(), "lab");
        awaitOpen(page);
        assertThat(text(page, "#state")).isEqualTo("6 of 6 techniques open");
        page.fill("#n", "40");
        page.fill("#rate", "40");
        page.click("#go");
        // Rows: header, connection, publications received, order, p50, p99, requests, bytes, how.
        await(page, "() => [...[...document.querySelectorAll('#lab tr')][2].querySelectorAll('td')].slice(1)"
                + ".every(td => td.textContent === '40')", null, WAIT_MS);
        await(page, "() => document.getElementById('progress').textContent.startsWith('done: 40 of 40')", null, WAIT_MS);
        assertThat(cells(page, 3)).as("order").containsOnly("in order");
        assertThat(cells(page, 4)).as("p50").allMatch(t -> t.matches("\\d+ ms"));
        assertThat(cells(page, 7)).as("bytes per publication").allMatch(t -> t.matches("\\d+ B"));
        screenshot(page, "lab");
    }

    /** The texts of row {@code index} of the lab's table, one per technique. */
    @SuppressWarnings("unchecked")
    private static List<String> cells(Page page, int index) {
        return (List<String>) page.evaluate("r => [...[...document.querySelectorAll('#lab tr')][r].querySelectorAll('td')]"
                + ".slice(1).map(td => td.textContent)", index);
    }
}
