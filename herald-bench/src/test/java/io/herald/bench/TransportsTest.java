package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The WebSocket and long-polling subscribers end to end against {@link MiniPushServer}. */
class TransportsTest {

    private static LoadReport run(MiniPushServer server, Transport transport) {
        return new LoadRun(BenchConfig.builder()
                .url("http://127.0.0.1:" + server.port())
                .transport(transport)
                .channel("t")
                .subscribers(20)
                .batchSize(7)
                .rate(100)
                .warmup(Duration.ZERO)
                .duration(Duration.ofMillis(1500))
                .settle(Duration.ofMillis(300))
                .drain(Duration.ofSeconds(3))
                .threads(1)
                .sourceIps(3)
                .build()).run();
    }

    @Test
    @Timeout(60)
    void webSocketSubscribersGetEveryPublicationOnceInOrder() throws Exception {
        try (MiniPushServer server = new MiniPushServer(0)) {
            LoadReport report = run(server, Transport.WS);
            assertThat(report.connected()).isEqualTo(20);
            assertThat(report.published()).isPositive();
            assertThat(report.delivered()).isEqualTo(report.expected()).isEqualTo(report.published() * 20);
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
            assertThat(report.malformed()).isZero();
            assertThat(report.serverUserCpuS()).as("no server pid given").isNull();
        }
    }

    @Test
    @Timeout(60)
    void longPollSubscribersGetEveryPublicationOnceInOrder() throws Exception {
        try (MiniPushServer server = new MiniPushServer(0)) {
            LoadReport report = run(server, Transport.LONGPOLL);
            assertThat(report.connected()).isEqualTo(20);
            assertThat(report.delivered()).isEqualTo(report.expected()).isEqualTo(report.published() * 20);
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void publicationsTheServerDropsAreCountedLostForEverySubscriber() throws Exception {
        try (MiniPushServer server = new MiniPushServer(10)) {
            LoadReport report = run(server, Transport.WS);
            int dropped = server.dropped();
            assertThat(dropped).isPositive();
            assertThat(report.lost()).isEqualTo(dropped * 20L);
            assertThat(report.delivered()).isEqualTo(report.expected() - report.lost());
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
            assertThat(report.problems()).anyMatch(p -> p.startsWith("lost " + dropped * 20L));
        }
    }

    @Test
    @Timeout(30)
    void anUnreachableServerFailsClearlyAndQuickly() {
        BenchConfig config = BenchConfig.builder().url("http://127.0.0.1:1").subscribers(3)
                .connectTimeout(Duration.ofSeconds(2)).threads(1).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LoadRun(config).run())
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("no connection of a batch of 3 subscribed to http://127.0.0.1:1/sse/");
    }

    @Test
    @Timeout(60)
    void enoughPublisherConnectionsKeepTheRateOfAServerSlowToAnswer() throws Exception {
        // 400/s offered, answers after 20 ms: one connection carries at most 50/s; 32 leave 4x headroom for a busy CI machine
        try (MiniPushServer server = new MiniPushServer(0, 20)) {
            LoadReport few = new LoadRun(slowServerConfig(server, 4)).run();
            LoadReport enough = new LoadRun(slowServerConfig(server, 32)).run();

            assertThat(few.publishedRate()).isLessThan(250.0);
            assertThat(few.problems()).anyMatch(p -> p.startsWith("the publisher fell behind"));
            assertThat(enough.publishedRate()).isGreaterThan(360.0);
            assertThat(enough.problems()).noneMatch(p -> p.startsWith("the publisher fell behind"));
            assertThat(enough.lost()).isZero();
            assertThat(enough.reordered()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void subscribersSpreadOverTwoUrlsAndWatchedProcessesHaveTheirCpuReported() throws Exception {
        try (MiniPushServer server = new MiniPushServer(0)) {
            LoadReport report = new LoadRun(BenchConfig.builder()
                    .url("http://127.0.0.1:" + server.port()).alsoUrls(java.util.List.of("http://localhost:" + server.port()))
                    .watchPids(java.util.List.of(ProcessHandle.current().pid()))
                    .transport(Transport.WS).channel("two").subscribers(6).rate(100).warmup(Duration.ZERO).duration(Duration.ofMillis(1000))
                    .settle(Duration.ofMillis(200)).drain(Duration.ofSeconds(3)).threads(1).sourceIps(1).build()).run();
            assertThat(report.connected()).isEqualTo(6);
            assertThat(report.delivered()).isEqualTo(report.published() * 6);
            assertThat(report.lost() + report.duplicated() + report.reordered()).isZero();
            assertThat(report.subscribeUrl()).isEqualTo("http://127.0.0.1:" + server.port() + "/ws/{channel} http://localhost:"
                    + server.port() + "/ws/{channel}");
            assertThat(report.watchedCpuS()).hasSize(1);
            assertThat(report.watchedCpuS().get(0)).as("this JVM ran the subscribers in the window").isPositive();
        }
    }

    private static BenchConfig slowServerConfig(MiniPushServer server, int publishConnections) {
        return BenchConfig.builder()
                .url("http://127.0.0.1:" + server.port())
                .transport(Transport.WS)
                .channel("slow")
                .subscribers(2)
                .rate(400)
                .publishConnections(publishConnections)
                .warmup(Duration.ofMillis(300))
                .duration(Duration.ofMillis(1500))
                .settle(Duration.ofMillis(200))
                .drain(Duration.ofSeconds(3))
                .threads(1)
                .sourceIps(1)
                .build();
    }
}
