package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logging.format} as an operator meets it: the {@code herald} command run in a JVM of its
 * own with the main class path (so Logback starts from the real {@code logback.xml}, not the tests'
 * configuration), a request made, the process stopped with SIGTERM, and its standard error read.
 */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("Herald listening on http://127\\.0\\.0\\.1:(\\d+)");

    /** A running command, its standard output and error collected line by line. */
    private static final class Command implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> errLines = new LinkedBlockingQueue<>();
        final List<String> err = new CopyOnWriteArrayList<>();
        final List<String> out = new CopyOnWriteArrayList<>();
        private final List<Thread> readers = new ArrayList<>();

        Command(Path config) throws IOException {
            String classPath = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("-tests.jar"))
                    .collect(Collectors.joining(java.io.File.pathSeparator));
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classPath, HeraldCommand.class.getName(), "--config", config.toString());
            builder.environment().remove("HERALD_LOG_LEVEL");
            process = builder.start();
            process.getOutputStream().close();
            readers.add(drain(process.getInputStream(), out, null));
            readers.add(drain(process.getErrorStream(), err, errLines));
        }

        private static Thread drain(InputStream in, List<String> into, BlockingQueue<String> queue) {
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        into.add(line);
                        if (queue != null) {
                            queue.add(line);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "herald-command-output");
            reader.setDaemon(true);
            reader.start();
            return reader;
        }

        /** The next line of standard error that matches {@code pattern}, waiting up to 30 s. */
        Matcher awaitErr(Pattern pattern) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                String line = errLines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    Matcher m = pattern.matcher(line);
                    if (m.find()) {
                        return m;
                    }
                }
                assertThat(process.isAlive() || !errLines.isEmpty()).as("herald is running; its errors: %s", err).isTrue();
            }
            throw new AssertionError("no line matching " + pattern + " within 30 s: " + err);
        }

        /**
         * Stops with SIGTERM, as systemd does, and waits for the exit: status 143 (128 + SIGTERM), which
         * the JVM gives after running the shutdown hooks (the unit in docs/deploy says SuccessExitStatus=143).
         */
        void stop() throws InterruptedException {
            process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output pipes
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("herald stopped on SIGTERM").isTrue();
            assertThat(process.exitValue()).as("exit status after SIGTERM; errors: %s", err).isEqualTo(143);
            for (Thread reader : readers) {
                reader.join(10_000); // the output's last lines, read after the exit
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static int get(int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void jsonMakesEveryLineAJsonObjectWithTheAccessFieldsAsFields(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("herald.yml"), "server:\n  port: 0\nadmin:\n  listen: 127.0.0.1:0\nlogging:\n  format: json\n");
        List<String> lines;
        try (Command herald = new Command(config)) {
            int port = Integer.parseInt(herald.awaitErr(LISTENING).group(1));
            assertThat(get(port, "/history/logs?limit=1&token=s3cret")).isEqualTo(200);
            herald.awaitErr(Pattern.compile("herald\\.access"));
            herald.stop();
            lines = new ArrayList<>(herald.err);
            assertThat(herald.out).as("standard output: nothing but JSON logs anywhere").isEmpty();
        }
        assertThat(lines).as("listening, the access line, stopped").hasSizeGreaterThanOrEqualTo(3);
        JsonNode access = null;
        for (String line : lines) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(node.path("@timestamp").isTextual()).as(line).isTrue();
            assertThat(node.path("level").asText()).as(line).isIn("INFO", "WARN", "ERROR");
            assertThat(node.path("message").isTextual()).as(line).isTrue();
            if (node.path("logger_name").asText().equals("herald.access")) {
                access = node;
            }
        }
        assertThat(lines.get(lines.size() - 1)).contains("Herald stopped");
        assertThat(access).as("the access line").isNotNull();
        assertThat(access.path("remote").asText()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(access.path("method").asText()).isEqualTo("GET");
        assertThat(access.path("path").asText()).isEqualTo("/history/logs?limit=1&token=***");
        assertThat(access.path("status").isInt()).isTrue();
        assertThat(access.path("status").asInt()).isEqualTo(200);
        assertThat(access.path("bytes").isIntegralNumber()).isTrue();
        assertThat(access.path("bytes").asLong()).isPositive();
        assertThat(access.path("duration_ms").isNumber()).isTrue();
        assertThat(access.path("transport").asText()).isEqualTo("http");
        assertThat(access.has("close")).isFalse();
        assertThat(access.path("message").asText()).contains("\"GET /history/logs?limit=1&token=***\" 200 http ");
        assertThat(String.join("\n", lines)).doesNotContain("s3cret");
    }

    @Test
    void textIsTheDefaultWithTheAccessLineReadable(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("herald.yml"), "server:\n  port: 0\nadmin:\n  listen: 127.0.0.1:0\n");
        try (Command herald = new Command(config)) {
            int port = Integer.parseInt(herald.awaitErr(LISTENING).group(1));
            assertThat(get(port, "/history/logs?ticket=s3cret")).isEqualTo(200);
            Matcher access = herald.awaitErr(Pattern.compile(
                    "^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  herald\\.access - 127\\.0\\.0\\.1:\\d+ \"GET /history/logs\\?ticket=\\*\\*\\*\" 200 http (\\d+)B [\\d.]+ms$"));
            assertThat(Long.parseLong(access.group(1))).isPositive();
            herald.stop();
            assertThat(herald.out).anySatisfy(line -> assertThat(line).startsWith("Herald is up: http://127.0.0.1:" + port + "/"));
            assertThat(herald.err).noneSatisfy(line -> assertThat(line).contains("s3cret"));
            assertThat(herald.err.get(herald.err.size() - 1)).endsWith("Herald stopped");
        }
    }
}
