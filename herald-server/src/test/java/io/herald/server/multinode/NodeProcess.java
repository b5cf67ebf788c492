package io.herald.server.multinode;

import io.herald.redis.RedisBroker;
import io.herald.redis.RedisBrokerConfig;
import io.herald.server.HeraldServer;
import io.herald.server.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Herald node on a {@link RedisBroker} in a JVM of its own, so that a test can {@code kill -9} it
 * ({@link #kill()}, SIGKILL: no goodbye, no close, sockets reset by the kernel). It runs this class's
 * {@link #main} on the test's class path (the {@code herald} command cannot select the Redis broker
 * yet) and prints {@code port N} once it listens.
 */
final class NodeProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private final Process process;
    private final int port;

    private NodeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a node on {@code broker} in a new JVM and waits until it listens. */
    static NodeProcess start(RedisBrokerConfig broker) throws IOException, InterruptedException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                NodeProcess.class.getName(), broker.address(), broker.prefix(), Long.toString(broker.timeout().toMillis())))
                .redirectErrorStream(true).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        StringBuilder said = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("port ")) {
                int port = Integer.parseInt(line.substring(5).trim());
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(Writer.nullWriter());
                    } catch (IOException ignored) {
                        // the process is gone
                    }
                }, "node-process-output");
                drain.setDaemon(true);
                drain.start();
                return new NodeProcess(process, port);
            }
            said.append(line).append('\n');
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("the node process did not start; it said:\n" + said);
    }

    /** {@code http://127.0.0.1:PORT} + path. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the node process outlived SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    /** The node: {@code ADDRESS PREFIX TIMEOUT_MS}; prints {@code port N}, then serves until killed. */
    public static void main(String[] args) throws InterruptedException {
        RedisBrokerConfig broker = new RedisBrokerConfig(args[0], args[1], Duration.ofMillis(Long.parseLong(args[2])));
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).ioThreads(1)
                .perIpConnections(0).perIpConnectRate(0).build();
        HeraldServer server = HeraldServer.create(config, new RedisBroker(broker)).start();
        System.out.println("port " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
