package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import io.herald.server.testing.NpmClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sockjs-client} from npm (herald-server/src/test/npm, pinned) in headless Chromium against
 * Herald's {@code /sockjs}, each of its same-origin transports forced on its own with the
 * {@code transports} option: it subscribes with {@code since} and receives what it missed and every
 * publication made live, in order, once (docs/protocol.md, "SockJS"). The iframe transports, whose
 * page loads sockjs-client from {@code sockjs.client-url}, are {@link SockJsIframeBrowserTest}'s.
 */
@Tag("browser")
class SockJsBrowserTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> { });

    static String client() throws IOException {
        return Files.readString(NpmClients.require("sockjs-client").resolve("dist").resolve("sockjs.min.js"), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "xhr-streaming", "eventsource", "htmlfile", "xhr-polling", "jsonp-polling"})
    void sockjsClientReceivesEveryPublicationInOrderOverEachTransport(String transport) throws Exception {
        receivesEveryPublicationInOrder(browser, transport);
    }

    /**
     * sockjs-client on {@code transport} alone in {@code browser}'s page: it subscribes with
     * {@code since}, gets the one missed publication and 98 published live, in order, once, and
     * opened on that transport only.
     */
    static void receivesEveryPublicationInOrder(BrowserFixture browser, String transport) throws IOException {
        String channel = "sockjs." + transport;
        JsonNode first = browser.server().publish(channel, "m1");
        browser.server().publish(channel, "m2");
        browser.open(browser.origin(), "sockjs.html", Map.of("SOCKJS_CLIENT", client()));
        Page page = browser.page();
        page.evaluate("a => start(a[0], a[1], a[2])", List.of(transport, channel, first.get("id").asText()));
        page.waitForFunction("() => replies.length >= 1", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        assertThat(page.evaluate("replies[0].recovered")).isEqualTo(1);
        for (int i = 3; i <= 100; i++) {
            browser.server().publish(channel, "m" + i);
        }
        page.waitForFunction("() => received.length >= 99", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        List<String> expected = new ArrayList<>();
        for (int i = 2; i <= 100; i++) {
            expected.add("m" + i);
        }
        assertThat(page.evaluate("received.map(p => p.data)")).isEqualTo(expected);
        assertThat(page.evaluate("events")).isEqualTo(List.of("open " + transport));
        page.evaluate("sock.close()");
    }
}
