package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.HeraldServer;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A 3-second SSE run against a real Herald started in this JVM on a free port. */
@Tag("integration")
class HeraldSseSmokeTest {

    /** A 3-second SSE run of {@code subscribers} on {@code channel} of {@code server}, 100 publications/s, one thread. */
    static BenchConfig.Builder threeSeconds(HeraldServer server, String channel, int subscribers) {
        return BenchConfig.builder()
                .url("http://127.0.0.1:" + server.port())
                .transport(Transport.SSE)
                .channel(channel)
                .subscribers(subscribers)
                .rate(100)
                .warmup(Duration.ofMillis(500))
                .duration(Duration.ofSeconds(3))
                .settle(Duration.ofMillis(200))
                .threads(1);
    }

    @Test
    @Timeout(60)
    void fiftySseSubscribersGetEveryPublicationOnceInOrder() {
        // The load generator opens every connection from 127.0.0.1 at once: per-address limits off.
        try (HeraldServer server = HeraldServer.create(cfg -> cfg.port(0).perIpConnections(0).perIpConnectRate(0)).start()) {
            // The server is this JVM, load generator included: no system call counting (SyscallCounterTest)
            BenchConfig config = threeSeconds(server, "smoke", 50).serverPid(ProcessHandle.current().pid())
                    .syscalls(SyscallCounter.Mode.OFF).build();

            LoadReport report = new LoadRun(config).run();

            assertThat(report.connected()).isEqualTo(50);
            assertThat(report.published()).isBetween(300L, 400L);
            assertThat(report.expected()).isEqualTo(report.published() * 50);
            assertThat(report.delivered()).isEqualTo(report.expected());
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
            assertThat(report.publishErrors()).isZero();
            assertThat(report.disconnects()).isZero();
            assertThat(report.malformed()).isZero();
            // Not asserted: latency and publisher backlog, which paranoid leak detection (the
            // surefire default here) and a cold JIT make meaningless in a 3-second run.
            assertThat(report.windowDeliveries()).isPositive();
            assertThat(report.latencyP50Ms()).isNotNull().isPositive();
            assertThat(report.serverRssAfterBytes()).isPositive();
            assertThat(Reports.json(report)).contains("\"transport\":\"sse\"");
            assertThat(report.syscalls().note()).isEqualTo("not counted: --syscalls off");
            assertThat(report.serverCpuUsPerDelivery()).isNotNull();
        }
    }
}
