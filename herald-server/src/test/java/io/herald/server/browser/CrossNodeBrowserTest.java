package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.broker.Broker;
import io.herald.redis.RedisBroker;
import io.herald.redis.RedisBrokerConfig;
import io.herald.redis.RedisServerProcess;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * herald.js in Chromium on one node of two that share a Redis (issue 11): the page, behind a
 * {@link TestProxy} that plays the load balancer and refuses WebSockets (so the client falls back to
 * SSE), receives what is published on the other node, and when the balancer moves it to that node
 * it resumes there from its last id with no loss and no duplicate.
 */
@Tag("browser")
class CrossNodeBrowserTest {
    private static final String PREFIX = "browser";
    private static RedisServerProcess redis;

    /** The browser's node ("B"): on Redis, started by the fixture (Redis with it, on first use). */
    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(CrossNodeBrowserTest::redisBroker, Harness::clientTestServer);

    private static final Map<String, Object> OPTIONS = Map.of("timeout", 2000, "heartbeatTimeout", 4000,
            "longPollTimeout", 5, "pollInterval", 100, "minReconnectDelay", 100, "maxReconnectDelay", 1000);

    private static synchronized Broker redisBroker() {
        if (redis == null) {
            try {
                redis = RedisServerProcess.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix(PREFIX));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    void aPageOnOneNodeReceivesWhatAnotherNodePublishesAndResumesThereWhenMovedToIt() throws Exception {
        browser.allowConsoleError("WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed");
        TestServer b = browser.server();
        try (TestServer a = TestServer.start(redisBroker(), Harness::clientTestServer);
             TestProxy balancer = TestProxy.relaying(b.port()).refuseWebSockets()) {
            Harness page = Harness.open(browser, balancer.origin(), "herald.js").start("mn.page", OPTIONS, null).awaitOpen(1);
            assertThat(page.transport()).isEqualTo("sse");
            publish(a, "mn.page", 1, 100);
            page.awaitOffset(100);

            // The balancer sends new connections to A from now on, and B drops its clients (4003).
            balancer.relayTo(a.port());
            assertThat(b.adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
            publish(a, "mn.page", 101, 200);
            assertThat(page.settle(a, "mn.page", 200)).isEqualTo(Harness.upTo(200));
            assertThat(a.server().node().subscriptionCount()).as("the page's subscription, now on A").isEqualTo(1);
            assertThat(b.server().node().subscriptionCount()).isZero();
            assertThat(page.states()).endsWith("open:sse");
            page.close(); // before the balancer and A go
        }
    }

    private static void publish(TestServer node, String channel, int from, int to) throws InterruptedException {
        for (int i = from; i <= to; i++) {
            node.publish(channel, "m" + i);
            if (i % 50 == 0) {
                Thread.sleep(20);
            }
        }
    }
}
