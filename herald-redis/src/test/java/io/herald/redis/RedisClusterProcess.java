package io.herald.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis Cluster for tests: 3 masters and 3 replicas of {@code redis-server} on free
 * loopback ports ({@code --cluster-enabled yes --cluster-node-timeout 2000}, no persistence, data
 * under {@code target/}), joined with {@code redis-cli --cluster create ... --cluster-replicas 1}
 * and waited for until every node reports {@code cluster_state:ok}. A master can be killed
 * (SIGKILL) and its replica's promotion waited for. A JVM shutdown hook kills what a dying test
 * did not stop.
 *
 * <p>When {@code redis-server} is not installed, {@link #start()} fails with a message saying how
 * to install it. Not thread-safe; one test drives it.
 */
public final class RedisClusterProcess implements AutoCloseable {
    /** The node timeout given to every node, ms: a master silent that long is failed over. */
    public static final int NODE_TIMEOUT_MS = 2000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int NODES = 6;

    private final List<Node> nodes = new ArrayList<>();

    /** One redis-server of the cluster. */
    private static final class Node {
        final int port;
        final Path dir;
        Process process;

        Node(int port, Path dir) {
            this.port = port;
            this.dir = dir;
        }
    }

    private RedisClusterProcess() {
    }

    /** Starts six nodes, creates the cluster (3 masters, 1 replica each) and waits until it is ok everywhere. */
    public static RedisClusterProcess start() throws IOException {
        RedisClusterProcess cluster = new RedisClusterProcess();
        try {
            for (int port : freePorts(NODES)) {
                Path dir = Path.of("target", "redis-cluster-" + port).toAbsolutePath();
                Files.createDirectories(dir);
                Files.deleteIfExists(dir.resolve("nodes.conf"));
                Node node = new Node(port, dir);
                cluster.nodes.add(node);
                cluster.launch(node);
            }
            for (Node node : cluster.nodes) {
                cluster.awaitPong(node);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (Node node : cluster.nodes) {
                create.add("127.0.0.1:" + node.port);
            }
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Path log = cluster.nodes.get(0).dir.resolve("create.log");
            Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create failed; see " + log);
            }
            cluster.awaitUntil("cluster_state:ok on every node", () -> {
                for (Node node : cluster.nodes) {
                    if (!clusterInfo(node.port).contains("cluster_state:ok")) {
                        return false;
                    }
                }
                return cluster.masterPorts().size() == 3;
            });
            // and every replica in sync, so that a master killed at once can be failed over
            cluster.awaitUntil("every replica in sync with its master", () -> {
                int synced = 0;
                for (Node node : cluster.nodes) {
                    if (role(node.port).equals("slave") && redisCli(node.port, "INFO", "replication").contains("master_link_status:up")) {
                        synced++;
                    }
                }
                return synced == 3;
            });
        } catch (IOException | RuntimeException e) {
            cluster.stop();
            throw e;
        } catch (InterruptedException e) {
            cluster.stop();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the cluster", e);
        }
        return cluster;
    }

    /** Seed addresses for the broker, {@code redis://127.0.0.1:PORT} of every node. */
    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (Node node : nodes) {
            out.add("redis://127.0.0.1:" + node.port);
        }
        return out;
    }

    /** The ports of the nodes that are running masters now (as they say of themselves). */
    public List<Integer> masterPorts() {
        List<Integer> out = new ArrayList<>();
        for (Node node : nodes) {
            if (node.process != null && node.process.isAlive() && role(node.port).equals("master")) {
                out.add(node.port);
            }
        }
        return out;
    }

    /** The port of the master that serves {@code slot} now, as a live node's {@code CLUSTER NODES} says, or -1. */
    public int masterOf(int slot) {
        for (Node node : nodes) {
            if (node.process == null || !node.process.isAlive()) {
                continue;
            }
            // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
            for (String line : redisCli(node.port, "CLUSTER", "NODES").split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                    continue;
                }
                if (servesSlot(line, slot)) {
                    return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                }
            }
            return -1;
        }
        return -1;
    }

    /**
     * Kills the master on {@code port} with SIGKILL and waits until one of its replicas is a master
     * and every live node reports {@code cluster_state:ok}.
     *
     * @return the port of the promoted replica
     */
    public int killMasterAndAwaitPromotion(int port) {
        Node master = node(port);
        List<Integer> replicas = new ArrayList<>();
        for (Node node : nodes) {
            if (node != master && node.process.isAlive() && role(node.port).equals("slave")
                    && redisCli(node.port, "INFO", "replication").contains("master_port:" + port)) {
                replicas.add(node.port);
            }
        }
        if (replicas.isEmpty()) {
            throw new IllegalStateException("the master on port " + port + " has no replica");
        }
        master.process.destroyForcibly();
        try {
            master.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int[] promoted = {-1};
        awaitUntil("a replica of " + port + " promoted and the cluster ok", () -> {
            for (int r : replicas) {
                if (role(r).equals("master")) {
                    promoted[0] = r;
                }
            }
            if (promoted[0] < 0) {
                return false;
            }
            for (Node node : nodes) {
                if (node.process.isAlive() && !clusterInfo(node.port).contains("cluster_state:ok")) {
                    return false;
                }
            }
            return true;
        });
        return promoted[0];
    }

    /**
     * Moves one hash slot, with its keys, from the master serving it to the master on {@code toPort}
     * (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE of its keys, then SETSLOT NODE on every live
     * node), as {@code redis-cli --cluster reshard} does slot by slot; waits until every live node
     * says {@code toPort} serves it.
     */
    public void migrateSlot(int slot, int toPort) {
        int fromPort = masterOf(slot);
        String from = redisCli(fromPort, "CLUSTER", "MYID").trim();
        String to = redisCli(toPort, "CLUSTER", "MYID").trim();
        String s = Integer.toString(slot);
        expectOk(redisCli(toPort, "CLUSTER", "SETSLOT", s, "IMPORTING", from));
        expectOk(redisCli(fromPort, "CLUSTER", "SETSLOT", s, "MIGRATING", to));
        for (;;) {
            String keys = redisCli(fromPort, "CLUSTER", "GETKEYSINSLOT", s, "100").trim();
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(toPort), "", "0", "5000", "KEYS"));
            migrate.addAll(List.of(keys.split("\n")));
            expectOk(redisCli(fromPort, migrate.toArray(String[]::new)));
        }
        expectOk(redisCli(toPort, "CLUSTER", "SETSLOT", s, "NODE", to));
        expectOk(redisCli(fromPort, "CLUSTER", "SETSLOT", s, "NODE", to));
        for (Node node : nodes) {
            if (node.process.isAlive() && node.port != toPort && node.port != fromPort && role(node.port).equals("master")) {
                redisCli(node.port, "CLUSTER", "SETSLOT", s, "NODE", to);
            }
        }
        awaitUntil("slot " + slot + " served by " + toPort + " everywhere", () -> {
            for (Node node : nodes) {
                if (node.process.isAlive() && !redisCli(node.port, "CLUSTER", "NODES").lines()
                        .anyMatch(l -> l.startsWith(to + " ") && servesSlot(l, slot))) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Fails the master on {@code masterPort} over to one of its replicas without stopping anything:
     * {@code CLUSTER FAILOVER} on the replica (coordinated: the replica catches up first, the old
     * master becomes its replica), then waits until the replica says it is a master, the old master
     * says it is a replica, and every node reports {@code cluster_state:ok}.
     *
     * @return the port of the promoted replica
     */
    public int failover(int masterPort) {
        int replica = -1;
        for (Node node : nodes) {
            if (node.port != masterPort && node.process.isAlive() && role(node.port).equals("slave")
                    && redisCli(node.port, "INFO", "replication").contains("master_port:" + masterPort)) {
                replica = node.port;
            }
        }
        if (replica < 0) {
            throw new IllegalStateException("the master on port " + masterPort + " has no replica");
        }
        int promoted = replica;
        // the master takes a manual failover only from a replica it knows as its own, in sync
        String replicaId = redisCli(replica, "CLUSTER", "MYID").trim();
        String masterId = redisCli(masterPort, "CLUSTER", "MYID").trim();
        awaitUntil("the replica " + promoted + " in sync with " + masterPort + " and known to it", () ->
                redisCli(promoted, "INFO", "replication").contains("master_link_status:up")
                        && redisCli(masterPort, "CLUSTER", "REPLICAS", masterId).contains(replicaId));
        long[] askedAt = {0};
        awaitUntil("the replica " + promoted + " of " + masterPort + " promoted and the cluster ok", () -> {
            if (!role(promoted).equals("master")) {
                if (System.nanoTime() - askedAt[0] > TimeUnit.SECONDS.toNanos(6)) { // a manual failover times out after 5 s
                    expectOk(redisCli(promoted, "CLUSTER", "FAILOVER"));
                    askedAt[0] = System.nanoTime();
                }
                return false;
            }
            if (!role(masterPort).equals("slave")) {
                return false;
            }
            for (Node node : nodes) {
                if (node.process.isAlive() && !clusterInfo(node.port).contains("cluster_state:ok")) {
                    return false;
                }
            }
            return true;
        });
        return promoted;
    }

    /**
     * Moves {@code slots} hash slots, with their keys, from the master on {@code fromPort} to the
     * master on {@code toPort} with {@code redis-cli --cluster reshard ... --cluster-slots N
     * --cluster-yes} (slot by slot: SETSLOT IMPORTING / MIGRATING, MIGRATE of the keys in batches,
     * SETSLOT NODE), then waits until every live node reports {@code cluster_state:ok}.
     *
     * @return the slots moved ({@code fromPort}'s slots before that are now {@code toPort}'s)
     */
    public List<Integer> reshard(int fromPort, int toPort, int slots) {
        String from = redisCli(fromPort, "CLUSTER", "MYID").trim();
        String to = redisCli(toPort, "CLUSTER", "MYID").trim();
        List<Integer> before = slotsOf(fromPort, from);
        Path log = node(fromPort).dir.resolve("reshard.log");
        try {
            Process p = new ProcessBuilder("redis-cli", "--cluster", "reshard", "127.0.0.1:" + fromPort,
                    "--cluster-from", from, "--cluster-to", to, "--cluster-slots", Integer.toString(slots), "--cluster-yes")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster reshard failed; see " + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resharding", e);
        }
        awaitUntil("cluster_state:ok on every node after the reshard", () -> {
            for (Node node : nodes) {
                if (node.process.isAlive() && !clusterInfo(node.port).contains("cluster_state:ok")) {
                    return false;
                }
            }
            return true;
        });
        List<Integer> moved = new ArrayList<>(before);
        moved.retainAll(slotsOf(toPort, to));
        return moved;
    }

    /** The slots the node {@code id} serves, as the node on {@code port} sees it ({@code CLUSTER NODES}). */
    private static List<Integer> slotsOf(int port, String id) {
        String line = redisCli(port, "CLUSTER", "NODES").lines().filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
        List<Integer> out = new ArrayList<>();
        for (int slot = 0; slot < 16384 && !line.isEmpty(); slot++) {
            if (servesSlot(line, slot)) {
                out.add(slot);
            }
        }
        return out;
    }

    /** Whether a {@code CLUSTER NODES} line lists {@code slot} among the node's slots (not counting migrations). */
    private static boolean servesSlot(String clusterNodesLine, int slot) {
        String[] f = clusterNodesLine.trim().split(" ");
        for (int i = 8; i < f.length; i++) {
            if (f[i].startsWith("[")) {
                continue; // a slot being migrated or imported
            }
            String[] range = f[i].split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            if (from <= slot && slot <= to) {
                return true;
            }
        }
        return false;
    }

    private static void expectOk(String reply) {
        if (!reply.trim().equals("OK")) {
            throw new IllegalStateException("expected OK from redis-cli, got: " + reply.trim());
        }
    }

    /** Stops every node (SIGKILL: there is nothing to save) and waits until they have exited. */
    public void stop() {
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.destroyForcibly();
            }
        }
        for (Node node : nodes) {
            if (node.process != null) {
                try {
                    node.process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Runs {@code redis-cli -p PORT args...} and returns its output (empty when it could not reach
     * the node).
     *
     * @throws IllegalStateException with an install hint when {@code redis-cli} is not installed
     */
    public static String redisCli(int port, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli (" + e.getMessage() + "): the Redis Cluster tests need it "
                    + "on the PATH; install it with: apt-get install -y redis-server (it brings redis-tools)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private Node node(int port) {
        for (Node node : nodes) {
            if (node.port == port) {
                return node;
            }
        }
        throw new IllegalArgumentException("no node on port " + port);
    }

    private void launch(Node node) {
        List<String> command = List.of("redis-server", "--port", Integer.toString(node.port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS), "--cluster-replica-validity-factor", "0",
                "--save", "", "--appendonly", "no", "--dir", node.dir.toString(), "--daemonize", "no");
        try {
            node.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(node.dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (" + e.getMessage() + "): the Redis broker's tests "
                    + "need it on the PATH; install it with: apt-get install -y redis-server", e);
        }
        Process started = node.process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    }

    private void awaitPong(Node node) {
        awaitUntil("redis-server on port " + node.port + " answering PING (see " + node.dir.resolve("redis.log") + ")", () -> {
            if (!node.process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + node.port + " exited; see " + node.dir.resolve("redis.log"));
            }
            return redisCli(node.port, "PING").trim().equals("PONG");
        });
    }

    /** Polls {@code condition} every 50 ms until it holds; throws after 30 s (also used by {@link RedisSentinelProcess}). */
    static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    private static String clusterInfo(int port) {
        return redisCli(port, "CLUSTER", "INFO");
    }

    /** {@code master}, {@code slave}, or "" when the node cannot be reached. */
    private static String role(int port) {
        String out = redisCli(port, "ROLE");
        int eol = out.indexOf('\n');
        return (eol < 0 ? out : out.substring(0, eol)).trim();
    }

    /** {@code n} free loopback ports whose cluster bus ports (port + 10000) are free too. */
    private static List<Integer> freePorts(int n) throws IOException {
        List<Integer> ports = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            while (ports.size() < n) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                int port = s.getLocalPort();
                if (port + 10000 > 65535) {
                    continue;
                }
                try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                    ports.add(port);
                } catch (IOException busy) {
                    // try another
                }
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }
}
