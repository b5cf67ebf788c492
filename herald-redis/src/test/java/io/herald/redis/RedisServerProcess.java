package io.herald.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A private {@code redis-server} for tests: started on a free loopback port with no persistence
 * ({@code --save "" --appendonly no}), its directory under {@code target/}, stopped (or killed)
 * by the test, and restartable on the same port so brokers reconnect to it.
 *
 * <p>When {@code redis-server} is not installed, {@link #start()} fails with a message saying how
 * to install it: tests that need Redis fail rather than skip. Not thread-safe; one test drives it.
 */
public final class RedisServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final int port;
    private final Path dir;
    private Process process;

    private RedisServerProcess(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a fresh Redis on a free loopback port and waits until it answers PING. */
    public static RedisServerProcess start() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path dir = Path.of("target", "redis-" + port).toAbsolutePath();
        Files.createDirectories(dir);
        RedisServerProcess redis = new RedisServerProcess(port, dir);
        redis.restart();
        return redis;
    }

    /** The broker address, {@code redis://127.0.0.1:PORT}. */
    public String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** The port Redis listens on (the same across restarts). */
    public int port() {
        return port;
    }

    /** Starts the server again on the same port (empty: no persistence); it must be stopped. */
    public void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " is running");
        }
        List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (" + e.getMessage() + "): the Redis broker's tests "
                    + "need it on the PATH; install it with: apt-get install -y redis-server", e);
        }
        Process started = process;
        // A test that dies before stop() must not leave its Redis running after the JVM.
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!"+PONG".equals(command("PING"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stop();
                throw new IllegalStateException("redis-server did not start on port " + port + "; see " + dir.resolve("redis.log"));
            }
            sleep(20);
        }
    }

    /** Stops the server (SIGTERM; SIGKILL after 10 s) and waits until it has exited. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the process with SIGSTOP: Redis keeps its connections open but answers nothing. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Resumes a {@link #freeze() frozen} server with SIGCONT. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * Sends one inline command over a raw socket and returns the first line of the reply, or null
     * when Redis cannot be reached (e.g. {@code command("FLUSHALL")}).
     */
    public String command(String inline) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Sends one command, its arguments given separately (so they may hold spaces and quotes), and
     * returns the whole reply flattened to its scalar values in order: an array's elements, a bulk
     * string's text, an integer's digits, a status or error line as sent ({@code +OK},
     * {@code -ERR ...}); null elements as null. Fails when Redis cannot be reached.
     */
    public List<String> reply(String... command) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(5000);
            StringBuilder out = new StringBuilder("*").append(command.length).append("\r\n");
            for (String arg : command) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                out.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
            }
            socket.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            List<String> values = new java.util.ArrayList<>();
            readReply(in, values);
            return values;
        } catch (IOException e) {
            throw new IllegalStateException("redis on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** One value of {@code INFO section}, e.g. {@code info("stats", "total_commands_processed")}; null when absent. */
    public String info(String section, String field) {
        for (String line : reply("INFO", section).get(0).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /** How many times {@code command} (lower case, e.g. {@code evalsha}) ran since start or CONFIG RESETSTAT. */
    public long calls(String command) {
        String stat = info("commandstats", "cmdstat_" + command);
        if (stat == null) {
            return 0;
        }
        return Long.parseLong(stat.substring("calls=".length(), stat.indexOf(',')));
    }

    private static void readReply(InputStream in, List<String> into) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '*' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < n; i++) {
                    readReply(in, into);
                }
            }
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    into.add(null);
                } else {
                    into.add(new String(in.readNBytes(n), StandardCharsets.UTF_8));
                    readLine(in);
                }
            }
            case ':' -> into.add(line);
            case '+', '-' -> into.add((char) type + line);
            default -> throw new IOException("unexpected reply type " + type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-reply");
            }
            line.append((char) b);
        }
        in.read(); // \n
        return line.toString();
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
