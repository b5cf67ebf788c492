package io.herald.server.testing;

import io.herald.server.cli.HeraldCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code herald} command run as a separate JVM on the test class path, as an operator runs it:
 * on a free public port and a free admin port, which it reads from the "Herald is up" line. Signals
 * ({@code destroy()} is SIGTERM, {@code destroyForcibly()} SIGKILL) stop it like a real process.
 *
 * @param process   the running process
 * @param port      its public port
 * @param adminPort its admin listener's port
 */
public record HeraldProcess(Process process, int port, int adminPort) implements AutoCloseable {
    private static final Pattern UP = Pattern.compile("Herald is up: http://127\\.0\\.0\\.1:(\\d+)/ .*admin: http://127\\.0\\.0\\.1:(\\d+)/");

    /**
     * Starts {@code herald --port 0 --admin-listen 127.0.0.1:0} with {@code args} after them and
     * {@code env} added to the environment; returns once it said it is up.
     *
     * @throws AssertionError with its output when it exits before saying so
     */
    public static HeraldProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", // starts faster; tests are small
                "-cp", System.getProperty("java.class.path"), HeraldCommand.class.getName(),
                "--port", "0", "--admin-listen", "127.0.0.1:0"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            Matcher m = UP.matcher(line);
            if (m.find()) {
                Thread drainOutput = new Thread(() -> out.lines().forEach(l -> { }), "herald-output");
                drainOutput.setDaemon(true);
                drainOutput.start();
                return new HeraldProcess(process, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
        }
        throw new AssertionError("herald did not start:\n" + seen);
    }

    /** {@code http://127.0.0.1:PORT} + {@code path} on the public port. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGKILL (no goodbye, no close: the kernel resets its sockets), and waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("herald outlived SIGKILL");
        }
    }

    /** Kills the process (SIGKILL) if it still runs. */
    @Override
    public void close() {
        process.destroyForcibly();
    }
}
