package io.herald.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * The npm {@code socket.io-client} (pinned in src/test/npm/package.json) in a Node process running
 * src/test/npm/socketio-client.mjs: commands go to its stdin, every event and ack comes back as one
 * JSON line, kept in {@link #lines()}. Needs {@code node} and {@code npm ci} in src/test/npm: without
 * them a test fails under CI ({@code CI} set) and is skipped otherwise.
 */
final class NodeSocketIoClient implements AutoCloseable {
    static final Path NPM = Path.of("src/test/npm").toAbsolutePath();

    private final Process process;
    private final Writer stdin;
    private final List<JsonNode> lines = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();

    /** Skips (or under CI fails) when Node or the npm clients are missing. */
    static void assumeAvailable() {
        String missing = null;
        if (!Files.isDirectory(NPM.resolve("node_modules/socket.io-client"))) {
            missing = "socket.io-client is not installed (cd herald-server/src/test/npm && npm ci)";
        } else {
            try {
                if (new ProcessBuilder("node", "--version").start().waitFor() != 0) {
                    missing = "node does not run";
                }
            } catch (IOException | InterruptedException e) {
                missing = "node is not installed";
            }
        }
        if (missing != null) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(missing);
            }
            Assumptions.assumeTrue(false, missing + "; skipped");
        }
    }

    /**
     * @param url        the server, e.g. {@code http://127.0.0.1:PORT}
     * @param auth       the CONNECT auth payload as JSON, or null
     * @param transports e.g. {@code "polling,websocket"}, or null for the client's default
     */
    NodeSocketIoClient(String url, String auth, String transports) throws IOException {
        assumeAvailable();
        List<String> cmd = new ArrayList<>(List.of("node", NPM.resolve("socketio-client.mjs").toString(), url,
                auth == null ? "{}" : auth));
        if (transports != null) {
            cmd.add(transports);
        }
        process = new ProcessBuilder(cmd).directory(NPM.toFile()).start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread out = new Thread(() -> read(process.getInputStream(), true), "node-socketio-out");
        Thread err = new Thread(() -> read(process.getErrorStream(), false), "node-socketio-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    private void read(java.io.InputStream in, boolean json) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (this) {
                    if (json && line.startsWith("{")) {
                        lines.add(TestServer.json(line));
                    } else {
                        stderr.append(line).append('\n');
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Sends one command line (see the script). */
    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /** A copy of the lines so far. */
    synchronized List<JsonNode> lines() {
        return new ArrayList<>(lines);
    }

    /** The lines of {@code type} so far. */
    synchronized List<JsonNode> of(String type) {
        return lines.stream().filter(l -> type.equals(l.path("type").asText())).toList();
    }

    /** Waits until some line matches, and returns the first that does. */
    JsonNode await(String what, Predicate<JsonNode> match) {
        TestServer.await(what + " (lines: " + lines() + ", stderr: " + stderr() + ")", Duration.ofSeconds(20),
                () -> lines().stream().anyMatch(match));
        return lines().stream().filter(match).findFirst().orElseThrow();
    }

    /** Waits until there are {@code n} lines of {@code type}. */
    List<JsonNode> awaitCount(String type, int n) {
        TestServer.await(n + " " + type + " lines (stderr: " + stderr() + ")", Duration.ofSeconds(30),
                () -> of(type).size() >= n);
        return of(type);
    }

    synchronized String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            send("exit");
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
