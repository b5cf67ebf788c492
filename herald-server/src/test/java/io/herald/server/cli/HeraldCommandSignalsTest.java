package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.HeraldProcess;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code herald} command as a process, stopped by signals: SIGTERM drains (not ready at once,
 * serving through {@code shutdown.drain}, then the clients told to reconnect), Ctrl-C (SIGINT)
 * stops at once (docs/configuration.md, "Shutdown").
 */
@Timeout(60)
class HeraldCommandSignalsTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HeraldProcess start(String drain) throws IOException {
        return HeraldProcess.start(Map.of("HERALD_SHUTDOWN_DRAIN", drain, "HERALD_SHUTDOWN_SPREAD", "200ms"));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .header("Connection", "close").build(), HttpResponse.BodyHandlers.ofString());
    }

    private SseReader subscribe(HeraldProcess herald) throws IOException, InterruptedException {
        InputStream body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + herald.port() + "/sse/c")).build(),
                HttpResponse.BodyHandlers.ofInputStream()).body();
        SseReader reader = new SseReader(body);
        assertThat(reader.next().retry()).as("the stream started").isNotNull();
        return reader;
    }

    /** Waits until {@code /health/ready} answers {@code body} with 503. */
    private void awaitNotReady(HeraldProcess herald, String body) {
        TestServer.await("not ready: " + body, Duration.ofSeconds(2), () -> {
            try {
                HttpResponse<String> r = get(herald.adminPort(), "/health/ready");
                return r.statusCode() == 503 && r.body().equals(body);
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    /** Ctrl-C: SIGINT to the process; returns when it was sent ({@link System#nanoTime()}). */
    private static long interrupt(HeraldProcess herald) throws IOException, InterruptedException {
        long sent = System.nanoTime();
        assertThat(new ProcessBuilder(List.of("kill", "-INT", Long.toString(herald.process().pid()))).start().waitFor())
                .isZero();
        return sent;
    }

    /** Waits for the process to exit; returns how long after {@code since} ({@link System#nanoTime()}) it had, in ms. */
    private static long awaitExit(HeraldProcess herald, long since) throws InterruptedException {
        assertThat(herald.process().waitFor(15, TimeUnit.SECONDS)).as("exited").isTrue();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    private static void assertGoodbye(SseReader reader) throws IOException {
        SseReader.Event bye = reader.nextEvent();
        assertThat(bye.event()).isEqualTo("herald-disconnect");
        assertThat(bye.data()).isEqualTo("{\"code\":1001,\"reason\":\"shutdown\",\"reconnect\":true}");
    }

    @Test
    void sigtermDrainsNotReadyAtOnceServingThroughTheWindowThenReconnectsTheClients() throws Exception {
        HeraldProcess herald = start("2s");
        try (SseReader reader = subscribe(herald)) {
            assertThat(get(herald.adminPort(), "/health/ready").statusCode()).isEqualTo(200);
            long signalled = System.nanoTime();
            herald.process().destroy(); // SIGTERM
            awaitNotReady(herald, "{\"ready\":false,\"reasons\":[\"draining\"]}");
            assertThat(get(herald.port(), "/history/c").statusCode()).as("serving through the drain window").isEqualTo(200);
            assertGoodbye(reader);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled)).as("after the window")
                    .isGreaterThanOrEqualTo(2000);
            awaitExit(herald, signalled);
            assertThat(herald.process().exitValue()).isEqualTo(143);
        } finally {
            herald.process().destroyForcibly();
        }
    }

    @Test
    void ctrlCStopsAtOnceTellingTheClientsToReconnect() throws Exception {
        HeraldProcess herald = start("30s");
        try (SseReader reader = subscribe(herald)) {
            long signalled = interrupt(herald);
            assertGoodbye(reader);
            assertThat(awaitExit(herald, signalled)).as("no drain window").isLessThan(10_000);
            assertThat(herald.process().exitValue()).isEqualTo(130);
        } finally {
            herald.process().destroyForcibly();
        }
    }

    @Test
    void ctrlCDuringADrainCutsItShort() throws Exception {
        HeraldProcess herald = start("30s");
        try (SseReader reader = subscribe(herald)) {
            herald.process().destroy(); // SIGTERM: a 30 s drain begins
            awaitNotReady(herald, "{\"ready\":false,\"reasons\":[\"draining\"]}");
            long interrupted = interrupt(herald);
            assertGoodbye(reader);
            assertThat(awaitExit(herald, interrupted)).as("the drain cut short").isLessThan(10_000);
        } finally {
            herald.process().destroyForcibly();
        }
    }
}
