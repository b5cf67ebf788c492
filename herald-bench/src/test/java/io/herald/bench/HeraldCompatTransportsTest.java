package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.HeraldServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SockJS-over-WebSocket and Socket.IO-over-WebSocket subscribers against a real Herald
 * started in this JVM on a free port (its {@code /sockjs} and {@code /socket.io/} endpoints): every
 * publication counted once, in order, nothing malformed.
 */
@Tag("integration")
class HeraldCompatTransportsTest {

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"SOCKJS_WS", "SOCKETIO_WS"})
    @Timeout(60)
    void subscribersOverTheCompatibilityEndpointsGetEveryPublicationOnceInOrder(Transport transport) {
        // The load generator opens every connection from 127.0.0.1 at once: per-address limits off.
        try (HeraldServer server = HeraldServer.create(cfg -> cfg.port(0).perIpConnections(0).perIpConnectRate(0)).start()) {
            BenchConfig config = HeraldSseSmokeTest.threeSeconds(server, "compat-" + transport.label(), 20)
                    .transport(transport).batchSize(7).sourceIps(3).build();

            LoadReport report = new LoadRun(config).run();

            assertThat(report.transport()).isEqualTo(transport.label());
            assertThat(report.connected()).isEqualTo(20);
            assertThat(report.published()).isBetween(300L, 400L);
            assertThat(report.expected()).isEqualTo(report.published() * 20);
            assertThat(report.delivered()).isEqualTo(report.expected());
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.reordered()).isZero();
            assertThat(report.malformed()).isZero();
            assertThat(report.publishErrors()).isZero();
            assertThat(report.disconnects()).isZero();
            assertThat(report.latencyP50Ms()).isNotNull().isPositive();
        }
    }
}
