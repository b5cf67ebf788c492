package io.herald.server.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.broker.FaultyBroker;
import io.herald.server.HeraldServer;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The admin listener: metrics, health checks, the admin switch, and bad requests to it (docs/protocol.md, "Admin listener"). */
@Timeout(60)
class AdminListenerTest {

    @Test
    void servesMetricsAndHealthOnTheAdminPortAndThePublicPortServesNeither() {
        try (TestServer t = TestServer.start()) {
            assertThat(t.server().adminPort()).isNotEqualTo(t.port());
            HttpResponse<String> metrics = t.admin("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(metrics.body()).contains("herald_sessions 0.0");
            HttpResponse<String> live = t.admin("/health/live");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            assertThat(live.body()).isEqualTo("{\"live\":true}");
            HttpResponse<String> ready = t.admin("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("{\"ready\":true}");

            for (String path : List.of("/metrics", "/health/live", "/health/ready")) {
                assertThat(t.get(path).statusCode()).as("GET %s on the public port", path).isEqualTo(404);
            }
            assertThat(t.admin("/sse/c").statusCode()).as("no transport on the admin listener").isEqualTo(404);
            assertThat(t.admin("/").statusCode()).isEqualTo(404);
            assertThat(t.server().connectionCount()).as("admin connections are not client connections").isZero();
        }
    }

    @Test
    void metricsOnPublicPortPutsMetricsBackOnThePublicPortForASinglePortDemo() {
        try (TestServer t = TestServer.start(cfg -> cfg.metricsOnPublicPort(true))) {
            HttpResponse<String> r = t.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("herald_publications_total 0.0");
            assertThat(t.get("/health/ready").statusCode()).as("health stays on the admin listener").isEqualTo(404);
            assertThat(t.admin("/metrics").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAnAdminListenerThereIsNoAdminPort() {
        try (TestServer t = TestServer.start(cfg -> cfg.adminListen(null))) {
            assertThatThrownBy(() -> t.server().adminPort()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("no admin listener (adminListen is off)");
            assertThat(t.get("/metrics").statusCode()).isEqualTo(404);
            assertThat(t.get("/history/c").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readyIsFalseWhileTheBrokerCannotBeReachedAndSaysWhy() {
        FaultyBroker broker = new FaultyBroker();
        try (TestServer t = TestServer.start(broker, cfg -> { })) {
            broker.unhealthy = "store at 10.0.0.5:6379: connection refused";
            HttpResponse<String> down = t.admin("/health/ready");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode body = TestServer.json(down.body());
            assertThat(body.get("ready").asBoolean()).isFalse();
            assertThat(body.get("reasons").toString()).isEqualTo("[\"broker_unreachable\"]");
            assertThat(body.get("broker").asText()).isEqualTo("store at 10.0.0.5:6379: connection refused");
            assertThat(t.admin("/health/live").statusCode()).as("alive all the same").isEqualTo(200);

            broker.unhealthy = null;
            broker.silentHealth = true;
            HttpResponse<String> silent = t.admin("/health/ready");
            assertThat(silent.statusCode()).isEqualTo(503);
            assertThat(TestServer.json(silent.body()).get("broker").asText())
                    .isEqualTo("the broker did not answer within " + Readiness.BROKER_TIMEOUT.toMillis() + " ms");

            broker.silentHealth = false;
            assertThat(t.admin("/health/ready").body()).isEqualTo("{\"ready\":true}");
        }
    }

    @Test
    void readyIsFalseWhileStartingAndAfterStopping() {
        HeraldServer server = HeraldServer.create(cfg -> cfg.port(0));
        try {
            Readiness.Report starting = server.readiness().check().join();
            assertThat(starting.ready()).isFalse();
            assertThat(starting.reasons()).containsExactly("starting");
            assertThat(new String(HealthRoute.body(starting), StandardCharsets.UTF_8))
                    .isEqualTo("{\"ready\":false,\"reasons\":[\"starting\"]}");
            server.start();
            assertThat(server.readiness().check().join().ready()).isTrue();
        } finally {
            server.close();
        }
        assertThat(server.readiness().check().join().reasons()).containsExactly("stopped");
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource({
            "GET, /nope, 404, not_found",
            "GET, /health, 404, not_found",
            "GET, /health/alive, 404, not_found",
            "GET, /health/live/x, 400, invalid_channel",
            "POST, /health/ready, 405, method_not_allowed",
            "DELETE, /metrics, 405, method_not_allowed",
            "GET, /metrics/x, 404, not_found",
            "GET, /admin/disconnect, 405, method_not_allowed",
            "POST, /admin/nope, 404, not_found",
    })
    void badAdminRequestsGetTheContractsErrorBodyAndTheServerServesOn(String method, String path, int status, String code) {
        try (TestServer t = TestServer.start(cfg -> cfg.adminEnabled(true))) {
            HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.adminUri(path))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.statusCode()).isEqualTo(status);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode error = TestServer.json(r.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo(code);
            assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(t.admin("/health/live").statusCode()).isEqualTo(200);
            assertThat(t.get("/history/c").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void garbageAndOversizedAdminRequestsAreAnsweredAndTheServerServesOn() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.adminEnabled(true))) {
            try (Socket s = new Socket("127.0.0.1", t.server().adminPort())) {
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(reply).startsWith("HTTP/1.1 400").contains("\"code\":\"invalid_parameter\"").doesNotContain("Exception");
            }
            try (Socket s = new Socket("127.0.0.1", t.server().adminPort())) {
                s.setSoTimeout(5000);
                byte[] body = new byte[64 * 1024];
                s.getOutputStream().write(("POST /admin/disconnect HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                RawResponse r = RawResponse.read(s.getInputStream());
                assertThat(r.status()).isEqualTo(413);
                assertThat(r.body()).contains("\"code\":\"payload_too_large\"");
            }
            try (Socket s = new Socket("127.0.0.1", t.server().adminPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET /health/ready?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                RawResponse r = RawResponse.read(s.getInputStream());
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.body()).contains("\"code\":\"invalid_parameter\"");
            }
            try (Socket s = new Socket("127.0.0.1", t.server().adminPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(20_000) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                RawResponse r = RawResponse.read(s.getInputStream());
                // headers over the limit: 431 (docs/protocol.md, "HTTP conventions"), as on the public port
                assertThat(r.status()).isEqualTo(431);
                assertThat(r.body()).contains("\"code\":\"headers_too_large\"");
            }
            assertThat(t.admin("/health/live").statusCode()).isEqualTo(200);
            assertThat(t.adminPost("/admin/disconnect").body()).isEqualTo("{\"disconnected\":0}");
            t.publish("c", "still serving");
        }
    }
}
