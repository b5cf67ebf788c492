package io.herald.server.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.herald.server.ServerConfig;
import io.herald.server.cli.HeraldCommand;
import io.herald.server.config.ConfigException;
import io.herald.server.config.Configuration;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code server.io-transport}: the server serves SSE and WebSocket over real sockets on every
 * network transport this machine offers (io_uring, epoll, NIO), {@code auto} picks the first of its
 * order, and a transport that is unknown or not available here stops the command with one line.
 * Unavailability is produced with Netty's own switch {@code -Dio.netty.transport.noNative=true}
 * in a JVM of its own (availability is probed once per JVM).
 */
@Timeout(120)
class IoTransportTest {
    private static final String NO_NATIVE = "Native transport was explicit disabled with -Dio.netty.transport.noNative=true";

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void servesSseAndWebSocketOnEachAvailableTransport(IoTransport transport) throws Exception {
        assumeTrue(transport.available(), () -> transport.word() + " is not available here: " + transport.unavailability());
        try (TestServer t = TestServer.start(cfg -> cfg.ioTransport(transport.word()))) {
            assertThat(t.server().ioTransport()).isEqualTo(transport);
            try (SseReader sse = new SseReader(t.stream("/sse/io").body())) {
                WsClient ws = WsClient.connect(t, "/ws/io");
                TestServer.await("2 subscriptions", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == 2);
                // many small writes in a burst, then one larger than a socket buffer's first write
                for (int i = 0; i < 200; i++) {
                    t.publish("io", "m" + i);
                }
                String large = "x".repeat(60_000);
                t.publish("io", large);
                for (int i = 0; i < 200; i++) {
                    assertThat(sse.nextEvent().data()).isEqualTo("m" + i);
                    assertThat(ws.nextText()).isEqualTo("m" + i);
                }
                assertThat(sse.nextEvent().data()).isEqualTo(large);
                assertThat(ws.nextText()).isEqualTo(large);
                // and reads: a client's frame published to both
                ws.send("from the socket");
                assertThat(sse.nextEvent().data()).isEqualTo("from the socket");
                assertThat(ws.nextText()).isEqualTo("from the socket");
                ws.close();
            }
        }
    }

    @Test
    void autoRunsTheFirstAvailableTransportOfItsOrder() {
        IoTransport first = IoTransport.AUTO_ORDER.stream().filter(IoTransport::available).findFirst().orElseThrow();
        try (TestServer t = TestServer.start(cfg -> { })) {
            assertThat(t.server().config().ioTransport()).isEqualTo("auto");
            assertThat(t.server().ioTransport()).isEqualTo(first);
            assertThat(t.publish("auto", "served").get("id").asText()).endsWith("-1");
        }
        assertThat(IoTransport.AUTO.resolve().transport()).isEqualTo(first);
    }

    @Test
    void anUnknownTransportIsAConfigurationErrorNamingTheChoices(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("herald.yml"), "server:\n  port: 0\n  io-transport: uring\n");
        assertThatThrownBy(() -> Configuration.load(file, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig())
                .isInstanceOf(ConfigException.class)
                .hasMessage("herald.yml:3: server.io-transport: uring (expected: auto, io_uring, epoll or nio)");
        assertThatThrownBy(() -> ServerConfig.builder().ioTransport("EPOLL").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ioTransport: EPOLL (expected: auto, io_uring, epoll or nio)");
        assertThatThrownBy(() -> IoTransport.AUTO.newGroup(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRequestedTransportThisMachineLacksStopsTheCommandWithOneLine(@TempDir Path dir) throws Exception {
        for (String named : List.of("io_uring", "epoll")) {
            Run flag = herald(dir, Map.of(), "--port", "0", "--admin-listen", "off", "--io-transport", named);
            assertThat(flag.exit).as("exit status; output: %s", flag.output).isEqualTo(2);
            assertThat(flag.output).containsExactly("herald: --io-transport: " + named
                    + " (expected: a transport available here, or auto; " + named + " is not: " + NO_NATIVE + ")");
        }
        Run env = herald(dir, Map.of("HERALD_SERVER_IO_TRANSPORT", "io_uring"), "--port", "0", "--check-config");
        assertThat(env.exit).as("exit status; output: %s", env.output).isEqualTo(2);
        assertThat(env.output).containsExactly("herald: HERALD_SERVER_IO_TRANSPORT: server.io-transport: io_uring"
                + " (expected: a transport available here, or auto; io_uring is not: " + NO_NATIVE + ")");
    }

    @Test
    void autoFallsBackToNioQuietlyWithAnInfoLineWhenNoNativeTransportLoads(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("stderr");
        Process herald = command(Map.of(), "--port", "0", "--admin-listen", "off").redirectErrorStream(false)
                .redirectError(err.toFile()).redirectOutput(dir.resolve("stdout").toFile()).start();
        try {
            TestServer.await("Herald listening", Duration.ofSeconds(60), () -> read(err).contains("Herald listening"));
            String log = read(err);
            String passed = autoPassedOver();
            assertThat(log).containsPattern("INFO  \\S*HeraldServer - ").contains("HeraldServer - server.io-transport auto: using nio (" + passed + ")");
            assertThat(log).containsPattern("Herald listening on http://127\\.0\\.0\\.1:\\d+ \\(\\d+ event loop threads, nio; ");
            assertThat(log).doesNotContain("WARN", "ERROR");
        } finally {
            herald.destroy();
            assertThat(herald.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** What auto says it passed over when no native transport loads: each native one of its order. */
    private static String autoPassedOver() {
        return IoTransport.AUTO_ORDER.stream().filter(t -> t != IoTransport.NIO)
                .map(t -> t.word() + " is not available: " + NO_NATIVE).collect(Collectors.joining("; "));
    }

    private record Run(int exit, List<String> output) {
    }

    /** Runs the command to its end with native transports off; its standard output and error together. */
    private static Run herald(Path dir, Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "herald", ".out");
        Process p = command(env, args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("herald ended; output: %s", read(out)).isTrue();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        return new Run(p.exitValue(), lines);
    }

    /**
     * {@code herald ARGS} in a JVM of its own with Netty's native transports switched off, on the
     * main class path (so its logging is the real {@code logback.xml}).
     */
    private static ProcessBuilder command(Map<String, String> env, String... args) {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dio.netty.transport.noNative=true",
                "-cp", classPath, HeraldCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
        builder.environment().putAll(env);
        return builder;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
