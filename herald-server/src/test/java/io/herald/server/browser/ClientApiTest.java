package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** herald.js's API in Chromium: state events, publish, errors, the ES module and the minified build. */
@Tag("browser")
class ClientApiTest {
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> Harness.clientTestServer(cfg)
            .node(NodeConfig.builder().namespace("locked", NamespaceOptions.builder().allowClientPublish(false).build()).build()));

    private static Harness harness(String lib) {
        return Harness.open(browser, lib);
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse"})
    void reportsTheStateEventsOfAConnectionsLife(String transport) {
        Harness page = harness("herald.js").start("states." + transport, ClientTransportsTest.only(transport), null).awaitOpen(1);
        assertThat(browser.server().adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
        page.awaitOpen(2).close();
        assertThat(page.states()).containsExactly("connecting:" + transport, "open:" + transport,
                "reconnecting:" + transport, "connecting:" + transport, "open:" + transport, "closed");
        // The server's disconnect code (4003: forced reconnect) and a delay within the first backoff step (100 ms, jittered).
        Map<?, ?> reconnecting = (Map<?, ?>) page.eval("states[2]");
        assertThat(reconnecting.get("code")).isEqualTo(4003);
        assertThat(((Number) reconnecting.get("delay")).intValue()).isBetween(50, 100);
        assertThat(page.eval("states[5].reason")).isEqualTo("closed by the page");
        assertThat(page.eval("client.state")).isEqualTo("closed");
    }

    @Test
    void publishesOverTheSocketOnWebSocketAndWithPostOtherwise() {
        // Namespace "locked" refuses client publishing over WebSocket; POST /pub is the server API and always allowed.
        Harness ws = harness("herald.js").start("pub.echo", ClientTransportsTest.only("websocket"), null).awaitOpen(1);
        Page page = ws.page();
        assertThat(page.evaluate("() => client.publish('pub.echo', {text: 'hi'}, {event: 'chat'}).then(r => r.offset)")).isEqualTo(1);
        page.evaluate("() => client.publish('pub.echo', 'plain')");
        page.evaluate("() => client.publish('pub.echo', new Uint8Array([0, 1, 255]))");
        ws.awaitOffset(3);
        assertThat(ws.eval("received.map(p => [p.event, p.data instanceof Uint8Array ? Array.from(p.data) : p.data])"))
                .isEqualTo(List.of(List.of("chat", Map.of("text", "hi")), List.of("message", "plain"),
                        List.of("message", List.of(0, 1, 255))));
        assertThat(page.evaluate("() => client.publish('locked:x', 'no').catch(e => e.code)")).isEqualTo("publish_forbidden");

        Harness sse = harness("herald.js").start("pub.sse", ClientTransportsTest.only("sse"), null).awaitOpen(1);
        assertThat(sse.page().evaluate("() => client.publish('locked:x', 'yes').then(r => r.offset)")).isEqualTo(1);
        assertThat(sse.page().evaluate("() => { try { client.publish('bad channel', 'x'); } catch (e) { return e.name; } }"))
                .as("a programming error throws at once").isEqualTo("TypeError");
        sse.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "xhr-streaming", "long-polling", "short-polling"})
    void aRefusedSubscriptionReachesOnError(String transport) {
        Harness page = harness("herald.js").start("err." + transport, ClientTransportsTest.only(transport), "not-an-id");
        page.page().waitForFunction("() => errors.length > 0");
        assertThat(page.eval("errors[0].code")).isEqualTo("invalid_since");
        if (!transport.equals("websocket")) {
            browser.allowConsoleError("status of 400 \\(Bad Request\\)");
        }
    }

    @Test
    void worksAsAnEsModule() {
        browser.open(browser.origin(), "module.html", Map.of());
        Page page = browser.page();
        page.waitForFunction("() => window.moduleResult && moduleResult.client.state === 'open'");
        assertThat(page.evaluate("() => moduleResult.sameExport && moduleResult.global")).isEqualTo(true);
        page.evaluate("() => moduleResult.client.publish('module.echo', 'from the module')");
        page.waitForFunction("() => moduleResult.received.length === 1");
        assertThat(page.evaluate("() => moduleResult.received[0]")).isEqualTo("from the module");
    }

    @Test
    void theMinifiedBuildWorksTheSame() throws Exception {
        Harness page = harness("herald.min.js").start("min.all", Map.of(), null).awaitOpen(1);
        for (int i = 1; i <= 50; i++) {
            browser.server().publish("min.all", "m" + i);
        }
        assertThat(page.settle(browser.server(), "min.all", 50)).isEqualTo(Harness.upTo(50));
        assertThat(page.transport()).isEqualTo("websocket");
    }
}
