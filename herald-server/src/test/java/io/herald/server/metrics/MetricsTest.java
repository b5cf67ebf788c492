package io.herald.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricsTest {

    @Test
    void exposesCountsInPrometheusFormat() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (SseReader reader = new SseReader(t.stream("/sse/m").body())) {
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                t.publish("m", "one");
                t.publish("m", "two");
                assertThat(reader.nextEvent().data()).isEqualTo("one");
                HttpResponse<String> r = t.get("/metrics");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
                assertThat(r.body())
                        .contains("herald_publications_total 2.0")
                        .contains("herald_sessions 1.0")
                        .contains("herald_subscriptions 1.0")
                        .contains("herald_channels 1.0")
                        .containsPattern("herald_connections [1-9]")
                        .contains("jvm_memory_used_bytes");
                t.server().node().disconnectAll(io.herald.core.Disconnect.FORCE_RECONNECT);
                TestServer.await("session ended", Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 0);
            }
            assertThat(t.get("/metrics").body()).contains("herald_disconnects_total{reason=\"force_reconnect\"} 1.0");
        }
    }
}
