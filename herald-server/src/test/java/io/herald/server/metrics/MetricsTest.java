package io.herald.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricsTest {

    /** The value of the sample {@code series} (name and labels, as printed) in a Prometheus text scrape; 0 when absent. */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void exposesCountsInPrometheusFormat() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (SseReader reader = new SseReader(t.stream("/sse/m").body())) {
                TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                t.publish("m", "one");
                t.publish("m", "two");
                assertThat(reader.nextEvent().data()).isEqualTo("one");
                HttpResponse<String> r = t.admin("/metrics");
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
            assertThat(t.admin("/metrics").body()).contains("herald_disconnects_total{reason=\"force_reconnect\"} 1.0");
        }
    }

    /**
     * SockJS and Socket.IO are network transports like the others: their series exist at 0 from the
     * start, and count their sessions, subscriptions and deliveries.
     */
    @Test
    void sockJsAndSocketIoHaveTheirSeriesFromTheStartAndCountTheirSessions() {
        try (TestServer t = TestServer.start()) {
            String[] transports = {"sockjs", "socket.io"};
            String fresh = t.admin("/metrics").body();
            for (String transport : transports) {
                assertThat(fresh).as("a series for %s from the start", transport)
                        .contains("herald_transport_sessions{transport=\"" + transport + "\"} 0.0")
                        .contains("herald_transport_subscriptions{transport=\"" + transport + "\"} 0.0")
                        .contains("herald_deliveries_total{transport=\"" + transport + "\"} 0.0")
                        .contains("herald_conflated_total{transport=\"" + transport + "\"} 0.0");
            }
            try (WsClient sockjs = WsClient.connect(t, "/sockjs/000/metrics/websocket");
                 WsClient sio = WsClient.connect(t, "/socket.io/?EIO=4&transport=websocket")) {
                assertThat(sockjs.nextText()).isEqualTo("o");
                sockjs.send("[\"{\\\"id\\\":1,\\\"op\\\":\\\"subscribe\\\",\\\"channel\\\":\\\"m\\\"}\"]");
                assertThat(sio.nextText()).startsWith("0{");
                sio.send("40");
                assertThat(sio.nextText()).startsWith("40{");
                sio.send("42[\"subscribe\",{\"channel\":\"m\"}]");
                TestServer.await("two subscribers", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 2);
                String held = t.admin("/metrics").body();
                for (String transport : transports) {
                    assertThat(sample(held, "herald_transport_sessions{transport=\"" + transport + "\"}")).as(transport).isEqualTo(1);
                    assertThat(sample(held, "herald_transport_subscriptions{transport=\"" + transport + "\"}")).as(transport)
                            .isEqualTo(1);
                }
                t.publish("m", "hello");
                TestServer.await("one delivery to each", Duration.ofSeconds(5), () -> {
                    String s = t.admin("/metrics").body();
                    return sample(s, "herald_deliveries_total{transport=\"sockjs\"}") == 1
                            && sample(s, "herald_deliveries_total{transport=\"socket.io\"}") == 1;
                });
            }
            t.awaitNoSessions();
            String after = t.admin("/metrics").body();
            for (String transport : transports) {
                assertThat(sample(after, "herald_transport_sessions{transport=\"" + transport + "\"}")).as(transport).isZero();
            }
        }
    }

    @Test
    void countsSessionsSubscriptionsAndDeliveriesByTransportBytesSentStatusesAndPublishLatency() throws Exception {
        try (TestServer t = TestServer.start()) {
            String[] transports = {"sse", "xhr-streaming", "iframe", "websocket", "long-polling"};
            String fresh = t.admin("/metrics").body();
            for (String transport : transports) {
                assertThat(fresh).as("a series for every network transport from the start")
                        .contains("herald_transport_sessions{transport=\"" + transport + "\"} 0.0")
                        .contains("herald_transport_subscriptions{transport=\"" + transport + "\"} 0.0")
                        .contains("herald_deliveries_total{transport=\"" + transport + "\"} 0.0");
            }
            assertThat(fresh).contains("herald_publish_latency_seconds_count 0");

            InputStream sse = t.stream("/sse/m").body();
            InputStream xhr = t.stream("/stream/m").body();
            InputStream iframe = t.stream("/iframe/m?callback=f").body();
            WsClient ws = WsClient.connect(t, "/ws/m");
            CompletableFuture<HttpResponse<String>> longPoll = t.http().sendAsync(
                    HttpRequest.newBuilder(t.uri("/longpoll/m?timeout=20")).GET().build(), HttpResponse.BodyHandlers.ofString());
            TestServer.await("five subscribers", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 5);
            String held = t.admin("/metrics").body();
            for (String transport : transports) {
                assertThat(sample(held, "herald_transport_sessions{transport=\"" + transport + "\"}")).as(transport).isEqualTo(1);
                assertThat(sample(held, "herald_transport_subscriptions{transport=\"" + transport + "\"}")).as(transport).isEqualTo(1);
            }
            for (String idle : new String[] {"sockjs", "socket.io"}) {
                assertThat(sample(held, "herald_transport_sessions{transport=\"" + idle + "\"}")).as(idle).isZero();
            }
            assertThat(held).as("no other transport").doesNotContainPattern("herald_transport_sessions\\{transport=\"(?!"
                    + String.join("|", transports) + "|sockjs|socket\\.io)");

            double sentBefore = sample(held, "herald_sent_bytes_total");
            String payload = "p".repeat(10_000);
            t.publish("m", payload);
            assertThat(longPoll.get(10, TimeUnit.SECONDS).body()).contains(payload);
            assertThat(ws.nextText()).isEqualTo(payload);
            TestServer.await("one delivery to each transport", Duration.ofSeconds(5), () -> {
                String s = t.admin("/metrics").body();
                for (String transport : transports) {
                    if (sample(s, "herald_deliveries_total{transport=\"" + transport + "\"}") != 1) {
                        return false;
                    }
                }
                return true;
            });
            ws.close();
            for (InputStream stream : new InputStream[] {sse, xhr, iframe}) {
                stream.close();
            }
            TestServer.await("sessions ended", Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 0);
            assertThat(t.get("/nope").statusCode()).isEqualTo(404);
            String after = t.admin("/metrics").body();
            for (String transport : transports) {
                assertThat(sample(after, "herald_transport_sessions{transport=\"" + transport + "\"}")).as(transport).isZero();
                assertThat(sample(after, "herald_transport_subscriptions{transport=\"" + transport + "\"}")).as(transport).isZero();
            }
            // The payload went to five subscribers: through pre-framed shared bytes (SSE, XHR streaming,
            // WebSocket) and through the pipeline (the long poll's response, the iframe's script chunk).
            // Each byte once: the framing, heads and the publish's own answer are a few hundred bytes each.
            assertThat(sample(after, "herald_sent_bytes_total") - sentBefore).isBetween(5 * 10_000.0, 5 * 10_000.0 + 5_000);
            assertThat(sample(after, "herald_http_responses_total{status=\"101\"}")).isEqualTo(1);
            assertThat(sample(after, "herald_http_responses_total{status=\"200\"}")).as("3 streams, a long poll, a publish")
                    .isEqualTo(5);
            assertThat(sample(after, "herald_http_responses_total{status=\"404\"}")).isEqualTo(1);
            assertThat(sample(after, "herald_publish_latency_seconds_count")).isEqualTo(1);
            assertThat(sample(after, "herald_publish_latency_seconds_bucket{le=\"+Inf\"}")).isEqualTo(1);
            assertThat(sample(after, "herald_publish_latency_seconds_sum")).isGreaterThan(0).isLessThan(10);
        }
    }
}
