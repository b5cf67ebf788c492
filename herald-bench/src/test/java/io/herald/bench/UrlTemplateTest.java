package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class UrlTemplateTest {

    @Test
    void aBaseUrlGetsTheDefaultPath() {
        UrlTemplate t = UrlTemplate.parse("http://127.0.0.1:8080/", "/sse/{channel}");
        assertThat(t.resolve("chat:1").toString()).isEqualTo("http://127.0.0.1:8080/sse/chat:1");
        assertThat(t.requestTarget("chat:1")).isEqualTo("/sse/chat:1");
        assertThat(t.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(t.hostHeader()).isEqualTo("127.0.0.1:8080");
    }

    @Test
    void aTemplateKeepsItsQuery() {
        UrlTemplate t = UrlTemplate.parse("http://localhost:8081/pub?id={channel}", "/pub/{channel}");
        assertThat(t.requestTarget("b1")).isEqualTo("/pub?id=b1");
        assertThat(t.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void webSocketUriUsesTheWsScheme() {
        UrlTemplate t = UrlTemplate.parse("http://127.0.0.1:9000", "/ws/{channel}");
        assertThat(t.webSocketUri("c").toString()).isEqualTo("ws://127.0.0.1:9000/ws/c");
        assertThat(UrlTemplate.parse("ws://127.0.0.1/sub/{channel}", "/x").webSocketUri("c").toString())
                .isEqualTo("ws://127.0.0.1/sub/c");
        assertThat(UrlTemplate.parse("ws://127.0.0.1/sub/{channel}", "/x").hostHeader()).isEqualTo("127.0.0.1");
    }

    @Test
    void onlyLoopbackAndPlainTextAreAccepted() {
        assertThatThrownBy(() -> UrlTemplate.parse("http://10.0.0.1:8080", "/sse/{channel}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> UrlTemplate.parse("http://example.com", "/sse/{channel}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> UrlTemplate.parse("https://127.0.0.1", "/sse/{channel}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS");
        assertThatThrownBy(() -> UrlTemplate.parse("", "/sse/{channel}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void channelNamesFollowHeraldsRule() {
        UrlTemplate t = UrlTemplate.parse("http://127.0.0.1:8080", "/sse/{channel}");
        assertThatThrownBy(() -> t.resolve("a b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel: a b (expected: ^[A-Za-z0-9_.:@-]{1,128}$)");
        assertThatThrownBy(() -> t.resolve("x".repeat(129))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sockJsSessionUrlsGetRandomServerAndSessionIds() {
        UrlTemplate t = UrlTemplate.parse("http://127.0.0.1:8080", Transport.SOCKJS_WS.defaultPath());
        java.util.Random random = new java.util.Random(1);
        String a = t.webSocketUri("c", random).toString();
        String b = t.webSocketUri("c", random).toString();
        assertThat(a).matches("ws://127\\.0\\.0\\.1:8080/sockjs/[0-9]{1,3}/[a-z0-9]{16}/websocket");
        assertThat(b).matches("ws://127\\.0\\.0\\.1:8080/sockjs/[0-9]{1,3}/[a-z0-9]{16}/websocket").isNotEqualTo(a);
        assertThat(UrlTemplate.parse("http://127.0.0.1:8080", Transport.SOCKETIO_WS.defaultPath()).webSocketUri("c"))
                .hasToString("ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket");
    }
}
