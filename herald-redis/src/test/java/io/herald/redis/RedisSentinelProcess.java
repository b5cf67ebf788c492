package io.herald.redis;

import static io.herald.redis.RedisClusterProcess.awaitUntil;
import static io.herald.redis.RedisClusterProcess.redisCli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis with high availability for tests: a master and one replica ({@code redis-server},
 * no persistence) watched by three Sentinels ({@code redis-server SENTINEL.conf --sentinel}: Debian's
 * {@code redis-server} package runs Sentinel mode without the {@code redis-sentinel} package, which
 * only adds a service) under the master name {@value #MASTER}, quorum 2, on free loopback ports,
 * data under {@code target/}. {@link #failover()} runs {@code SENTINEL FAILOVER} and waits until the
 * replica is the master every Sentinel names. A JVM shutdown hook kills what a dying test did not
 * stop. Not thread-safe; one test drives it.
 */
public final class RedisSentinelProcess implements AutoCloseable {
    /** The master name the Sentinels monitor. */
    public static final String MASTER = "mymaster";

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> redisPorts = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();

    private RedisSentinelProcess() {
    }

    /** Starts the master, its replica (waited for in sync) and three Sentinels (waited for until each knows the replica). */
    public static RedisSentinelProcess start() throws IOException {
        RedisSentinelProcess ha = new RedisSentinelProcess();
        try {
            List<Integer> ports = freePorts(5);
            ha.redisPorts.addAll(ports.subList(0, 2));
            ha.sentinelPorts.addAll(ports.subList(2, 5));
            int master = ha.redisPorts.get(0);
            for (int port : ha.redisPorts) {
                Path dir = dir(port);
                List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"));
                if (port != master) {
                    command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(master)));
                }
                ha.launch(port, command, dir);
            }
            awaitUntil("the replica in sync", () ->
                    redisCli(ha.redisPorts.get(1), "INFO", "replication").contains("master_link_status:up"));
            for (int port : ha.sentinelPorts) {
                Path dir = dir(port);
                Path conf = dir.resolve("sentinel.conf");
                Files.writeString(conf, String.join("\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "dir " + dir,
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + master + " 2",
                        "sentinel down-after-milliseconds " + MASTER + " 1000",
                        "sentinel failover-timeout " + MASTER + " 10000",
                        "sentinel parallel-syncs " + MASTER + " 1", ""));
                ha.launch(port, List.of("redis-server", conf.toString(), "--sentinel"), dir);
            }
            awaitUntil("every Sentinel knowing the replica and the other Sentinels", () -> {
                for (int port : ha.sentinelPorts) {
                    String master0 = redisCli(port, "SENTINEL", "MASTER", MASTER);
                    if (!master0.contains("num-slaves\n1\n") || !master0.contains("num-other-sentinels\n2\n")) {
                        return false;
                    }
                }
                return true;
            });
        } catch (IOException | RuntimeException e) {
            ha.stop();
            throw e;
        }
        return ha;
    }

    /**
     * The broker address: {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/?sentinelMasterId=mymaster}
     * (Lettuce's RedisURI syntax).
     */
    public String address() {
        List<String> hosts = new ArrayList<>();
        for (int port : sentinelPorts) {
            hosts.add("127.0.0.1:" + port);
        }
        return "redis-sentinel://" + String.join(",", hosts) + "/?sentinelMasterId=" + MASTER;
    }

    /** The port of the master, as the first Sentinel names it. */
    public int masterPort() {
        String[] reply = redisCli(sentinelPorts.get(0), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER).trim().split("\n");
        return Integer.parseInt(reply[reply.length - 1].trim());
    }

    /**
     * {@code SENTINEL FAILOVER mymaster} (the replica is promoted, the old master made its replica,
     * every client connection of both closed by Sentinel), then waits until every Sentinel names the
     * new master, it says it is a master, and the old one is its replica in sync.
     *
     * @return the port of the new master
     */
    public int failover() {
        int old = masterPort();
        int promoted = redisPorts.get(0) == old ? redisPorts.get(1) : redisPorts.get(0);
        String reply = redisCli(sentinelPorts.get(0), "SENTINEL", "FAILOVER", MASTER).trim();
        if (!reply.equals("OK")) {
            throw new IllegalStateException("SENTINEL FAILOVER answered: " + reply);
        }
        awaitUntil("the replica " + promoted + " promoted by every Sentinel, the old master " + old + " its replica", () -> {
            for (int port : sentinelPorts) {
                if (!redisCli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER).contains(Integer.toString(promoted))) {
                    return false;
                }
            }
            return redisCli(promoted, "ROLE").startsWith("master")
                    && redisCli(old, "INFO", "replication").contains("master_port:" + promoted)
                    && redisCli(old, "INFO", "replication").contains("master_link_status:up");
        });
        return promoted;
    }

    /**
     * Kills the master (SIGKILL) and waits until every Sentinel names its replica, which then says
     * it is a master (after the Sentinels' {@code down-after-milliseconds}, 1 s here, and an
     * election).
     *
     * @return the port of the new master
     */
    public int killMaster() {
        int old = masterPort();
        int promoted = redisPorts.get(0) == old ? redisPorts.get(1) : redisPorts.get(0);
        Process master = processes.get(redisPorts.indexOf(old));
        master.destroyForcibly();
        try {
            master.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitUntil("the replica " + promoted + " promoted by every Sentinel after " + old + " was killed", () -> {
            for (int port : sentinelPorts) {
                if (!redisCli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER).contains(Integer.toString(promoted))) {
                    return false;
                }
            }
            return redisCli(promoted, "ROLE").startsWith("master");
        });
        return promoted;
    }

    /** Stops every process (SIGKILL: there is nothing to save) and waits until they have exited. */
    public void stop() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static Path dir(int port) throws IOException {
        Path dir = Path.of("target", "redis-sentinel-" + port).toAbsolutePath();
        Files.createDirectories(dir);
        return dir;
    }

    private void launch(int port, List<String> command, Path dir) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (" + e.getMessage() + "): the Redis broker's tests "
                    + "need it on the PATH; install it with: apt-get install -y redis-server", e);
        }
        processes.add(process);
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        awaitUntil("redis-server on port " + port + " answering PING (see " + dir.resolve("redis.log") + ")", () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited; see " + dir.resolve("redis.log"));
            }
            return redisCli(port, "PING").trim().equals("PONG");
        });
    }

    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports.add(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }
}
