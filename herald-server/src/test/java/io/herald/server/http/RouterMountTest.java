package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The router's one mechanism for a route owning a path prefix ({@link Router#mount}), seen over real
 * sockets through the two protocols mounted on it: Socket.IO's {@code /socket.io/} leaves the CORS
 * preflight to the router ({@link Router.Preflight#ROUTER}, docs/protocol.md "HTTP conventions"),
 * SockJS's {@code /sockjs} answers {@code OPTIONS} itself ({@link Router.Preflight#ROUTE},
 * docs/protocol.md "SockJS"); both receive every other method and the whole path below the prefix.
 */
class RouterMountTest {
    private static HttpResponse<String> send(TestServer t, String method, String path) {
        return t.send(HttpRequest.newBuilder(t.uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    void aMountWhosePreflightIsTheRoutersGetsTheRoutersOptionsAnswerAndEveryOtherMethod() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> options = send(t, "OPTIONS", "/socket.io/?EIO=4&transport=polling");
            assertThat(options.statusCode()).isEqualTo(204);
            assertThat(options.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, POST");
            assertThat(options.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
            // Not GET, and below the prefix: still the route's (Engine.IO's "Bad handshake method", code 2).
            HttpResponse<String> post = send(t, "POST", "/socket.io/?EIO=4&transport=polling");
            assertThat(post.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(post.body()).get("code").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aMountThatAnswersItsPreflightGetsOptionsAndEveryOtherPathBelowIt() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> options = send(t, "OPTIONS", "/sockjs/info");
            assertThat(options.statusCode()).isEqualTo(204);
            assertThat(options.headers().firstValue("Access-Control-Allow-Methods")).hasValue("OPTIONS, GET");
            assertThat(options.headers().firstValue("Access-Control-Max-Age")).hasValue("31536000");
            HttpResponse<String> welcome = send(t, "GET", "/sockjs");
            assertThat(welcome.statusCode()).isEqualTo(200);
            assertThat(welcome.body()).isEqualTo("Welcome to SockJS!\n");
        }
    }
}
