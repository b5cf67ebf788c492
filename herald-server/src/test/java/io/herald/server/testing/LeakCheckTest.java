package io.herald.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The leak check that runs after every test ({@link LeakCheckExtension}) catches what it must. */
@Timeout(60)
class LeakCheckTest {

    @Test
    void aServerLeftOpenFailsTheCheckWhichClosesIt() {
        List<TestServer> before = TestServer.open();
        TestServer forgotten = TestServer.start();
        assertThatThrownBy(() -> LeakCheckExtension.check(before, true, "this test"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("a TestServer started by this test was not closed")
                .cause().hasMessage("TestServer started here");
        assertThat(forgotten.isClosed()).isTrue();
        assertThat(TestServer.open()).doesNotContain(forgotten);
    }

    @Test
    void aClientStillConnectedFailsTheQuietCheck() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (InputStream stream = t.stream("/sse/left-open").body()) {
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                assertThatThrownBy(() -> t.awaitQuiet(Duration.ofMillis(200)))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageContaining("sessions=1, subscriptions=1, connections=1");
            }
        }
    }

    @Test
    void stoppingTheServerUnderItsClientsWithoutSayingSoFailsClose() throws Exception {
        TestServer t = TestServer.start();
        try (InputStream stream = t.stream("/sse/bye").body()) {
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            t.server().close();
            assertThatThrownBy(t::close).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("shutdownWithClientsConnected()");
        }
        assertThat(t.isClosed()).isTrue();
    }

    @Test
    void shutdownWithClientsConnectedLeavesNothingOpen() throws Exception {
        TestServer t = TestServer.start();
        try (InputStream stream = t.stream("/sse/bye").body()) {
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            t.shutdownWithClientsConnected();
            assertThat(t.isClosed()).isTrue();
            assertThat(t.server().connectionCount()).isZero();
            assertThat(t.server().node().sessionCount()).isZero();
            t.close(); // a no-op now, as at the end of a try-with-resources
        }
    }

    @Test
    void aBufferNeverReleasedFailsTheCheck() {
        leakABuffer();
        assertThatThrownBy(() -> LeakCheckExtension.check(TestServer.open(), true, "this test"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 Netty resource leak(s) reported after this test")
                .hasMessageContaining("LeakCheckTest leaked this on purpose");
    }

    private static void leakABuffer() {
        Unpooled.directBuffer(8).touch("LeakCheckTest leaked this on purpose");
    }
}
