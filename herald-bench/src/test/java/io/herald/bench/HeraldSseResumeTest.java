package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.server.HeraldServer;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --resume} against a real Herald in this JVM: midway through the run the channel's stream
 * is reported lost, so every subscriber is ended with {@code 4001} (spread over the reset spread);
 * each reconnects with its last event id, the memory broker still has the history, and the run
 * stays clean: every publication once, in order, across the reconnect.
 */
@Tag("integration")
class HeraldSseResumeTest {

    @Test
    @Timeout(60)
    void subscribersEndedWith4001ResumeFromTheirLastIdAndMissNothing() throws Exception {
        try (HeraldServer server = HeraldServer.create(cfg -> cfg.port(0).perIpConnections(0).perIpConnectRate(0)
                .node(NodeConfig.builder().resetSpread(Duration.ofMillis(500)).build())).start()) {
            BenchConfig config = HeraldSseSmokeTest.threeSeconds(server, "resume", 40).resume(true).build();
            Thread lose = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    return;
                }
                server.node().hub().onStreamLost("resume");
            });
            lose.start();

            LoadReport report = new LoadRun(config).run();
            lose.join();

            assertThat(report.connected()).isEqualTo(40);
            assertThat(report.disconnects()).as("4001s").isEqualTo(40);
            assertThat(report.resume()).isNotNull();
            assertThat(report.resume().resumes()).isEqualTo(40);
            assertThat(report.resume().resets()).as("a complete recovery is no reset").isZero();
            assertThat(report.resume().skippedByReset()).isZero();
            assertThat(report.delivered()).isEqualTo(report.expected());
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
            // resumed subscribers are no problem in this mode (the publisher's backlog is not judged
            // here: a cold JIT on a shared machine makes it meaningless in 3 s, as in HeraldSseSmokeTest)
            assertThat(report.problems()).noneMatch(p -> p.contains("disconnected") || p.contains("lost"));
        }
    }
}
