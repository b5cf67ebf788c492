package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * herald.js with {@code getToken} in Chromium against a Herald with access control on (key, audience
 * and namespaces of {@link TestTokens}; a one-second expiry grace): the token travels the right way on
 * every transport, is refreshed in place on WebSocket, and an expiry in the middle of a stream
 * (close 4004) makes the client get a new token and resume with nothing lost.
 */
@Tag("browser")
class ClientTokensTest {
    private static final TestTokens tokens = TestTokens.create();

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> Harness.clientTestServer(cfg)
            .node(TestTokens.namespaces())
            .auth(tokens.authConfig().expiryGrace(Duration.ofSeconds(1)).build()));

    /** Tokens handed to the page: until shortly after {@link #frozenUntil}, each expires then; afterwards, in {@link #ttl}. */
    private final AtomicReference<Instant> frozenUntil = new AtomicReference<>(Instant.EPOCH);
    private volatile Duration ttl = Duration.ofHours(1);
    private final AtomicInteger minted = new AtomicInteger();

    private Harness open() {
        browser.server().publishWithApiKey(tokens.publishKey());
        browser.page().exposeFunction("heraldTestToken", args -> {
            minted.incrementAndGet();
            String channel = (String) args[0];
            boolean ticket = Boolean.TRUE.equals(args[1]);
            if (ticket) {
                return tokens.ticket("42", channel, Duration.ofMinutes(1));
            }
            Instant frozen = frozenUntil.get();
            // Until the old deadline (exp + grace) has passed, every token has the frozen exp: refreshing cannot help.
            boolean stale = Instant.now().isBefore(frozen.plusMillis(1200));
            Duration life = stale ? Duration.between(Instant.now(), frozen) : ttl;
            return tokens.sign(TestTokens.grant(TestTokens.claims("42", life), "subscribe", "doc:*"));
        });
        return Harness.open(browser, "herald.js");
    }

    private static Map<String, Object> withTokens(String transport) {
        Map<String, Object> options = new HashMap<>(ClientTransportsTest.only(transport));
        options.put("getToken", "exposed");
        return options;
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "sse", "xhr-streaming", "iframe", "long-polling", "short-polling"})
    void getTokenIsCalledAndEveryPublicationArrivesOnEveryTransport(String transport) {
        String channel = "doc:tokens." + transport;
        Harness page = open().start(channel, withTokens(transport), null).awaitOpen(1);
        for (int i = 1; i <= 50; i++) {
            browser.server().publish(channel, "m" + i);
        }
        assertThat(page.settle(browser.server(), channel, 50)).isEqualTo(Harness.upTo(50));
        assertThat(page.transport()).isEqualTo(transport);
        assertThat(page.states()).containsExactly("connecting:" + transport, "open:" + transport);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> calls = (List<Map<String, Object>>) page.eval("tokenCalls");
        assertThat(calls).anyMatch(c -> c.get("channel") == null && Boolean.FALSE.equals(c.get("ticket")));
        if (transport.equals("sse") || transport.equals("iframe")) {
            assertThat(calls).contains(Map.of("channel", channel, "ticket", true));
        } else {
            assertThat(calls).allMatch(c -> Boolean.FALSE.equals(c.get("ticket")));
        }
    }

    /** Tokens living 3 s, refreshed in place at about 80 %: one connection for 7 s, nothing lost. */
    @Test
    void webSocketRefreshesInPlaceAndStaysOnOneConnection() throws Exception {
        ttl = Duration.ofSeconds(3);
        String channel = "doc:refresh";
        Harness page = open().start(channel, withTokens("websocket"), null).awaitOpen(1);
        for (int i = 1; i <= 70; i++) {
            browser.server().publish(channel, "m" + i);
            // paces the publications across several token lifetimes; Playwright answers getToken meanwhile
            page.page().waitForTimeout(100);
        }
        assertThat(page.settle(browser.server(), channel, 70)).isEqualTo(Harness.upTo(70));
        assertThat(page.states()).containsExactly("connecting:websocket", "open:websocket");
        assertThat(minted.get()).isGreaterThanOrEqualTo(3);
    }

    /**
     * The first token expires in 3 s and a refresh only gets the same expiry, so the server ends the
     * socket with 4004 at exp + grace; the client gets a new token, reconnects and resumes from its
     * last id: every publication arrives once, in order.
     */
    @Test
    void webSocketExpiryInTheMiddleOfTheStreamLosesNothing() throws Exception {
        frozenUntil.set(Instant.now().plusSeconds(3));
        String channel = "doc:expiry";
        Harness page = open().start(channel, withTokens("websocket"), null).awaitOpen(1);
        for (int i = 1; i <= 60; i++) {
            browser.server().publish(channel, "m" + i);
            // paces the publications across the expiry; Playwright answers getToken meanwhile
            page.page().waitForTimeout(100);
        }
        assertThat(page.settle(browser.server(), channel, 60)).isEqualTo(Harness.upTo(60));
        assertThat(page.states()).contains("reconnecting:websocket").doesNotContain("closed");
        assertThat((Integer) page.eval("states.filter(s => s.code === 4004).length")).isGreaterThanOrEqualTo(1);
    }

    /** A token the server refuses (signed with another key) stops the client: closed with 4401, onError unauthorized. */
    @Test
    void anInvalidTokenStopsTheClientWithoutRetrying() {
        browser.server().publishWithApiKey(tokens.publishKey());
        browser.page().exposeFunction("heraldTestToken", args -> TestTokens.forged("42", "subscribe", "doc:*"));
        Harness page = Harness.open(browser, "herald.js");
        page.start("doc:refused", withTokens("websocket"), null);
        page.page().waitForFunction("() => states.some(s => s.state === 'closed')");
        assertThat(page.eval("states.filter(s => s.state === 'closed').map(s => s.code)")).isEqualTo(List.of(4401));
        assertThat(page.eval("errors.map(e => e.code)")).isEqualTo(List.of("unauthorized"));
        assertThat(page.eval("tokenCalls.length")).isEqualTo(1);
    }
}
