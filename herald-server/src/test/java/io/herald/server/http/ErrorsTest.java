package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NodeConfig;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class ErrorsTest {

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource({
            "GET, /sse/bad%20name, 400, invalid_channel",
            "GET, /poll/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, 400, invalid_channel",
            "GET, /history/c?since=nodash, 400, invalid_since",
            "GET, /history/c?since=ab-12x, 400, invalid_since",
            "GET, /history/c?limit=-1, 400, invalid_parameter",
            "GET, /history/c?limit=abc, 400, invalid_parameter",
            "GET, /history/c?limit=100000, 400, invalid_parameter",
            "POST, /pub/c?event=bad%20event, 400, invalid_event",
            "GET, /nope, 404, not_found",
            "GET, /sse, 404, not_found",
            "GET, /sse/a/b, 400, invalid_channel",
            "PUT, /pub/c, 405, method_not_allowed",
            "GET, /pub/c, 405, method_not_allowed",
            "POST, /sse/c, 405, method_not_allowed",
    })
    void answersTheContractsErrorBody(String method, String path, int status, String code) {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri(path))
                    .method(method, HttpRequest.BodyPublishers.ofString("x")).build());
            assertThat(r.statusCode()).isEqualTo(status);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode error = TestServer.json(r.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo(code);
            assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
            if (status == 405) {
                assertThat(r.headers().firstValue("allow")).isPresent();
            }
        }
    }

    @Test
    void malformedJsonIsRejectedAndNothingIsStored() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.post("/pub/j", "{\"a\":", "application/json");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_json");
            assertThat(t.post("/pub/j", "{} {}", "application/json").statusCode()).isEqualTo(400);
            assertThat(TestServer.json(t.get("/history/j").body()).get("messages")).isEmpty();
        }
    }

    @Test
    void oversizedBodyGets413AndOthersAreUnharmed() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder().maxPayloadBytes(1024).build()))) {
            try (var sse = new io.herald.server.testing.SseReader(t.stream("/sse/big").body())) {
                TestServer.await("subscribed", java.time.Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                HttpResponse<String> r = t.post("/pub/big", "x".repeat(1025), "text/plain");
                assertThat(r.statusCode()).isEqualTo(413);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("payload_too_large");
                t.publish("big", "x".repeat(1024));
                assertThat(sse.nextEvent().data()).hasSize(1024);
            }
        }
    }

    @Test
    void garbageRequestLineGets400NotAStackTrace() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).startsWith("HTTP/1.1 400").contains("\"code\":\"invalid_parameter\"").doesNotContain("Exception");
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/sse/%zz", "/history/c?since=%zz", "/poll/c?limit=%"})
    void malformedPercentEncodingGets400AndTheConnectionServesOn(String target) throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            RawResponse bad = RawResponse.read(s.getInputStream());
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("\"code\":\"invalid_parameter\"").doesNotContain("Exception");
            out.write("GET /history/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawResponse.read(s.getInputStream()).status()).isEqualTo(200);
        }
    }

    @Test
    void connectionsOverTheLimitGet429() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.maxConnections(1))) {
            try (var held = t.stream("/sse/held").body()) {
                TestServer.await("held", java.time.Duration.ofSeconds(5), () -> t.server().connectionCount() == 1);
                try (Socket s = new Socket("127.0.0.1", t.port())) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("GET /poll/x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(reply).startsWith("HTTP/1.1 429").contains("too_many_requests");
                }
            }
        }
    }

    @Test
    void corsPreflightIsAnswered() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/pub/c"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "http://example.test").header("Access-Control-Request-Method", "POST").build());
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("*");
            assertThat(r.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST");
        }
    }
}
