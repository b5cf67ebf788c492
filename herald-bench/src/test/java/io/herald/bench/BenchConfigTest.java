package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchConfigTest {

    @Test
    void defaultsPointAtHeraldOnTheSameServer() {
        BenchConfig c = BenchConfig.builder().url("http://127.0.0.1:9090").transport(Transport.WS).build();
        assertThat(c.subscribeUrl().resolve("c").toString()).isEqualTo("http://127.0.0.1:9090/ws/c");
        assertThat(c.publishUrl().resolve("c").toString()).isEqualTo("http://127.0.0.1:9090/pub/c");
        assertThat(c.payloadBytes()).isEqualTo(64);
        assertThat(c.batchSize()).isEqualTo(500);
    }

    @Test
    void subscribersAreSpreadRoundRobinOverEverySubscriberUrl() {
        BenchConfig c = BenchConfig.builder().url("http://127.0.0.1:9001")
                .alsoUrls(java.util.List.of("http://127.0.0.1:9002", "http://127.0.0.1:9003/sse/{channel}")).build();
        assertThat(java.util.stream.LongStream.range(0, 6).mapToObj(i -> c.subscribeUrl(i).resolve("c").toString()))
                .containsExactly("http://127.0.0.1:9001/sse/c", "http://127.0.0.1:9002/sse/c", "http://127.0.0.1:9003/sse/c",
                        "http://127.0.0.1:9001/sse/c", "http://127.0.0.1:9002/sse/c", "http://127.0.0.1:9003/sse/c");
        assertThat(c.publishUrl().resolve("c").toString()).isEqualTo("http://127.0.0.1:9001/pub/c");
        assertThat(c.subscribeUrlsText()).isEqualTo(c.subscribeUrl() + " " + c.alsoSubscribeUrls().get(0) + " "
                + c.alsoSubscribeUrls().get(1));
        BenchConfig one = BenchConfig.builder().build();
        assertThat(one.subscribeUrl(5)).isSameAs(one.subscribeUrl());
        assertThatThrownBy(() -> BenchConfig.builder().watchPids(java.util.List.of(0L)).build())
                .hasMessage("watchPids: 0 (expected: > 0)");
    }

    @Test
    void resumeIsForSseSubscribersOnly() {
        assertThat(BenchConfig.builder().transport(Transport.SSE).resume(true).build().resume()).isTrue();
        assertThatThrownBy(() -> BenchConfig.builder().transport(Transport.WS).resume(true).build())
                .hasMessage("resume: true (expected: only with --transport sse)");
    }

    @Test
    void anExplicitPublishUrlIsKept() {
        BenchConfig c = BenchConfig.builder().url("http://127.0.0.1:8081/sub/{channel}")
                .publishUrl("http://127.0.0.1:8081/pub?id={channel}").build();
        assertThat(c.publishUrl().requestTarget("b")).isEqualTo("/pub?id=b");
        assertThat(c.subscribeUrl().requestTarget("b")).isEqualTo("/sub/b");
    }

    @Test
    void badValuesNameTheFieldTheValueAndTheRule() {
        assertThatThrownBy(() -> BenchConfig.builder().subscribers(0).build())
                .hasMessage("subscribers: 0 (expected: 1..1000000)");
        assertThatThrownBy(() -> BenchConfig.builder().rate(0).build())
                .hasMessage("rate: 0.0 (expected: > 0 and <= 1000000 publications/s)");
        assertThatThrownBy(() -> BenchConfig.builder().payloadBytes(8).build())
                .hasMessage("payloadBytes: 8 (expected: 32..65536)");
        assertThatThrownBy(() -> BenchConfig.builder().sourceIps(254).build())
                .hasMessageContaining("sourceIps: 254");
        assertThatThrownBy(() -> BenchConfig.builder().duration(Duration.ZERO).build())
                .hasMessage("duration: PT0S (expected: > 0)");
        assertThatThrownBy(() -> BenchConfig.builder().channel("no spaces").build())
                .hasMessageContaining("channel: no spaces");
    }
}
