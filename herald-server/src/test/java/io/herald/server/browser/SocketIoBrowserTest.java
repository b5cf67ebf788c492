package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The npm {@code socket.io-client} (its browser bundle, pinned in src/test/npm) in headless Chromium
 * against Herald's {@code /socket.io/} (docs/protocol.md, "Socket.IO"): it subscribes with an ack,
 * receives publications as events, and after a server-side disconnect ({@code 4003}) in the middle
 * reconnects with connection state recovery: every publication once, in order.
 */
@Tag("browser")
class SocketIoBrowserTest {
    private static final Path BUNDLE = Path.of("src/test/npm/node_modules/socket.io-client/dist/socket.io.min.js");

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> { });

    @Test
    void receivesEveryPublicationOnceAcrossAForcedDisconnectWithRecovery() throws Exception {
        if (!Files.isRegularFile(BUNDLE)) {
            String missing = "socket.io-client is not installed (cd herald-server/src/test/npm && npm ci)";
            if (System.getenv("CI") != null) {
                throw new AssertionError(missing);
            }
            Assumptions.assumeTrue(false, missing + "; skipped");
        }
        TestServer server = browser.server();
        browser.open(browser.origin(), "socketio.html", Map.of());
        Page page = browser.page();
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(Files.readString(BUNDLE)));
        page.evaluate("() => {"
                + "window.received = []; window.events = [];"
                + "const s = io(location.origin, {reconnectionDelay: 100, reconnectionDelayMax: 300});"
                + "s.on('connect', () => events.push('connect:' + s.recovered));"
                + "s.on('goodbye', g => events.push('goodbye:' + g.code));"
                + "s.on('publication', env => received.push(env.offset));"
                + "s.emit('subscribe', {channel: 'browser'}, r => events.push('subscribed:' + r.ok));"
                + "window.sock = s; }");
        TestServer.await("the subscribe ack", Duration.ofSeconds(20), () -> events(page).contains("subscribed:true"));
        for (int i = 1; i <= 60; i++) {
            server.publish("browser", "m" + i);
            if (i == 30) {
                assertThat(server.server().node().disconnectAll(Disconnect.FORCE_RECONNECT)).isEqualTo(1);
            }
        }
        TestServer.await("60 publications", Duration.ofSeconds(30),
                () -> ((Number) page.evaluate("() => received.length")).intValue() >= 60);
        @SuppressWarnings("unchecked")
        List<Number> offsets = (List<Number>) page.evaluate("() => received");
        assertThat(offsets.stream().map(Number::intValue).toList()).as("every publication once, in order")
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 60).boxed().toList());
        assertThat(events(page)).containsSubsequence("connect:false", "subscribed:true", "goodbye:4003", "connect:true");
        page.evaluate("() => window.sock.close()");
    }

    @SuppressWarnings("unchecked")
    private static List<String> events(Page page) {
        return (List<String>) page.evaluate("() => events");
    }
}
