package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.server.testing.NpmClients;
import io.herald.server.testing.TestServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13's promise in one page of headless Chromium: the native {@code EventSource} on
 * {@code /sse/{channel}}, herald.js, {@code sockjs-client} on {@code /sockjs} and
 * {@code socket.io-client} on {@code /socket.io/} (both from npm, pinned in src/test/npm) subscribe to
 * the same channel and receive the same 200 publications, with the same ids, in the order they were
 * published (docs/protocol.md, "Ids, offsets and epochs", "SockJS", "Socket.IO").
 */
@Tag("browser")
class FourClientsBrowserTest {
    private static final String CHANNEL = "four.clients";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> { });

    @Test
    void allFourClientsReceiveTheSame200PublicationsInTheSameOrder() throws Exception {
        String sockjs = Files.readString(NpmClients.require("sockjs-client").resolve("dist/sockjs.min.js"));
        String socketio = Files.readString(NpmClients.require("socket.io-client").resolve("dist/socket.io.min.js"));
        TestServer server = browser.server();
        browser.open(browser.origin(), "four-clients.html", Map.of());
        Page page = browser.page();
        page.addScriptTag(new Page.AddScriptTagOptions().setUrl(browser.origin() + "/herald.js"));
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(sockjs));
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(socketio));
        page.evaluate("c => start(c)", CHANNEL);

        // Nothing is published before every client is subscribed: each one's own ack, and the hub's count.
        TestServer.await("every client's subscribe ack", DEADLINE,
                () -> Boolean.TRUE.equals(page.evaluate("() => Object.values(acks).every(a => a)")));
        TestServer.await("four subscriptions to " + CHANNEL, DEADLINE,
                () -> server.server().node().hub().subscriberCount(CHANNEL) == 4);

        List<String> published = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            published.add(server.publish(CHANNEL, "m" + i).get("id").asText());
        }
        for (String name : List.of("eventsource", "herald", "sockjs", "socketio")) {
            TestServer.await(name + " receiving 200 publications", DEADLINE,
                    () -> ((Number) page.evaluate("n => ids[n].length", name)).intValue() >= 200);
            assertThat(page.evaluate("n => ids[n]", name)).as("the ids %s received, in order", name).isEqualTo(published);
        }
        page.evaluate("() => stop()");
    }
}
