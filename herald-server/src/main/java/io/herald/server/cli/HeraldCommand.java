package io.herald.server.cli;

import io.herald.server.HeraldServer;
import io.herald.server.ListenAddress;
import io.herald.server.ServerConfig;
import io.herald.server.config.ConfigException;
import io.herald.server.config.Configuration;
import io.herald.server.config.Setting;
import io.herald.server.config.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * The {@code herald} command: starts a server with an embedded in-memory hub and runs until SIGTERM
 * or Ctrl-C. SIGTERM drains it for a rolling deploy ({@link HeraldServer#drain()}: not ready at
 * once, serving on for {@code shutdown.drain}, then the clients told to reconnect spread over
 * {@code shutdown.spread}); Ctrl-C stops it at once, gracefully (clients are told to reconnect).
 * {@code herald --help} lists the options.
 *
 * <p>The configuration is merged by {@link Configuration}: the defaults of {@link Settings}, then
 * {@code --config FILE} (YAML), then {@code HERALD_*} environment variables, then the flags given
 * (a flag not given does not override anything). {@code --check-config} validates and exits;
 * {@code --print-config} prints the effective configuration with where each value came from.
 * A bad option, file, variable or value prints one line and exits with status 2
 * (docs/configuration.md). {@code logging.format: json} turns the logs into JSON lines before the
 * server starts ({@link LogFormat}).
 */
@Command(name = "herald", mixinStandardHelpOptions = true, version = "Herald 0.1.0",
        description = "A real-time push server: one channel hub served over WebSocket, Server-Sent Events, "
                + "XHR streaming, the forever iframe, long polling and short polling.",
        sortOptions = false, defaultValueProvider = HeraldCommand.Defaults.class, subcommands = TokenCommand.class)
public final class HeraldCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML configuration file (docs/configuration.md); the environment (HERALD_*) and flags override it.")
    Path configFile;

    @Option(names = "--check-config", description = "Validate the configuration, print OK, and exit (status 2 if it is bad).")
    boolean checkConfig;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML, with where each value came from, and exit.")
    boolean printConfig;

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, description = "TCP port; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--io-threads", description = "Event-loop threads; 0 for one per core (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--io-transport", description = "The sockets' network transport: auto, io_uring, epoll or nio (default: ${DEFAULT-VALUE}).")
    String ioTransport;

    @Option(names = "--history-size", description = "Publications kept per channel (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--history-age", converter = DurationConverter.class,
            description = "How long publications are kept, e.g. 30s, 10m, 1h (default: ${DEFAULT-VALUE}).")
    Duration historyAge;

    @Option(names = "--no-client-publish",
            description = "Forbid clients to publish over WebSocket, except in namespaces that say otherwise.")
    boolean noClientPublish;

    @Option(names = "--namespace", paramLabel = "NAME:SIZE:AGE:PUBLISH",
            description = "Options of one namespace (channels NAME:*), e.g. chat:500:5m:true. Repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--max-payload", description = "Largest publication in bytes (default: ${DEFAULT-VALUE}).")
    int maxPayload;

    @Option(names = "--queue-max-bytes",
            description = "Outbound queue bound per session in bytes; a slower client is disconnected to resume (default: ${DEFAULT-VALUE}).")
    long queueMaxBytes;

    @Option(names = {"--write-delay", "--coalesce"}, converter = DurationConverter.class,
            description = "Write delay of the default namespace's options: a publication may wait up to this long so that "
                    + "several leave in one write (only on a connection written to less than this ago); 0 writes at once; "
                    + "--coalesce is its old name (default: ${DEFAULT-VALUE}).")
    Duration writeDelay;

    @Option(names = "--max-backlog",
            description = "Pushes queued for subscribers, across all connections, above which POST /pub answers 503 "
                    + "overloaded until they drain; 0 for one per 256 bytes of maximum heap (default: ${DEFAULT-VALUE}).")
    long maxBacklog;

    @Option(names = "--heartbeat", converter = DurationConverter.class,
            description = "Heartbeat interval of streams and WebSocket pings (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--sse-retry", converter = DurationConverter.class,
            description = "The reconnection time SSE streams advise (default: ${DEFAULT-VALUE}).")
    Duration sseRetry;

    @Option(names = "--longpoll-timeout", converter = DurationConverter.class,
            description = "How long a long poll is held by default (default: ${DEFAULT-VALUE}).")
    Duration longPollTimeout;

    @Option(names = "--max-connections", description = "Open connections accepted (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--demo", negatable = true,
            description = "Run the demo feeds (clock, ticker) and keep a day of history in the demo namespace (default: ${DEFAULT-VALUE}).")
    boolean demo;

    @Option(names = "--admin", description = "Route POST /admin/disconnect on the admin listener, a test switch that drops every session.")
    boolean admin;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT|off", converter = ListenConverter.class,
            description = "Where the admin listener (/metrics, /health/live, /health/ready, /admin/...) binds; off for none "
                    + "(default: ${DEFAULT-VALUE}).")
    ListenAddress adminListen;

    @Option(names = "--metrics-on-public-port",
            description = "Also serve GET /metrics on the public port (a single-port demo).")
    boolean metricsOnPublicPort;

    /** Reads {@code --admin-listen}: {@code HOST:PORT} or {@code off} (null), as the file does. */
    static final class ListenConverter implements CommandLine.ITypeConverter<ListenAddress> {
        @Override
        public ListenAddress convert(String value) {
            try {
                return (ListenAddress) Setting.Type.LISTEN.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--broker", paramLabel = "memory|redis|redis-cluster",
            description = "Where channel streams live: memory (one node), redis (several nodes share one Redis; "
                    + "with --redis-address) or redis-cluster (several nodes share a Redis Cluster; with one or more "
                    + "--redis-address seeds) (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(names = "--redis-address", paramLabel = "URI",
            description = "The Redis of --broker redis, e.g. redis://127.0.0.1:6379 (rediss:// for TLS), or its Sentinels, "
                    + "redis-sentinel://HOST:PORT[,HOST:PORT...]/?sentinelMasterId=NAME; with --broker "
                    + "redis-cluster, a seed node of the cluster (repeat the flag for several).")
    List<String> redisAddresses;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve TLS (and HTTP/2) with this PEM certificate chain; with --tls-key. Reloaded when it changes.")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The certificate's private key, PKCS#8 PEM (BEGIN PRIVATE KEY).")
    String tlsKey;

    @Option(names = "--conformance",
            description = "Mount the upstream conformance suites' test services (SockJS /echo, /close, ...; Engine.IO /engine.io/; Socket.IO's suite on /socket.io/); for conformance runs only.")
    boolean conformance;

    /**
     * The defaults of the options that set a {@link Setting}, read from {@link Settings}: one table
     * of defaults for the flags, the file and the docs. Picocli applies them to the fields (so
     * {@code --help} can show them); only flags actually given override the configuration.
     */
    public static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (arg instanceof OptionSpec option) {
                Setting s = settingOf(option.longestName());
                if (s != null) {
                    Object def = s.defaultValue();
                    if (s.type() == Setting.Type.LIST) {
                        return null; // a repeatable option starts empty; picocli would read "[]" as one item
                    }
                    return option.longestName().equals("--no-client-publish") ? "false" : s.type().format(def);
                }
            }
            return null;
        }
    }

    private static Setting settingOf(String flag) {
        for (Setting s : Settings.ALL) {
            if (flag.equals(s.flag())) {
                return s;
            }
        }
        return null;
    }

    /**
     * The configuration of the parsed command line: the file, {@code env} and the flags given.
     *
     * @throws ConfigException one line naming the source, key and problem
     */
    Configuration configuration(Map<String, String> env) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, Object> flags = new LinkedHashMap<>();
        for (Setting s : Settings.ALL) {
            if (s.flag() != null && parsed != null && parsed.hasMatchedOption(s.flag())) {
                Object value = spec.findOption(s.flag()).getValue();
                flags.put(s.key(), s.flag().equals("--no-client-publish") ? Boolean.FALSE : value);
            }
        }
        return Configuration.load(configFile, configFile == null ? null : configFile.toString(), env, flags, namespaces);
    }

    /** The server configuration of the parsed command line, with {@code env} as the environment. */
    ServerConfig config(Map<String, String> env) {
        return configuration(env).serverConfig();
    }

    @Override
    public Integer call() throws Exception {
        return call(System.getenv());
    }

    private int call(Map<String, String> env) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        ServerConfig config;
        try {
            Configuration configuration = configuration(env);
            config = configuration.serverConfig();
            if (printConfig) {
                out.print(configuration.print());
                out.flush();
                return 0;
            }
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("herald: " + e.getMessage());
            return 2;
        }
        if (checkConfig) {
            out.println((configFile == null ? "configuration" : configFile.toString()) + ": OK");
            out.flush();
            return 0;
        }
        boolean jsonLogs = LogFormat.apply(config.logFormat());
        HeraldServer server;
        try {
            server = HeraldServer.create(config).start();
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("herald: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        quickStopOnInterrupt(server, interrupted);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (interrupted.get()) {
                server.close();
            } else {
                server.drain().join();
            }
            LogFormat.stop(); // writes out the queued access lines
            stopped.countDown();
        }, "herald-shutdown"));
        if (!jsonLogs) { // with JSON logs every line is JSON: the server's own "listening" line says where
            out.println("Herald is up: " + server.scheme() + "://" + config.host() + ":" + server.port() + "/  (Ctrl-C to stop)"
                    + (config.adminListen() == null ? "" : "; admin: http://" + config.adminListen().host() + ":"
                    + server.adminPort() + "/health/ready"));
            out.flush();
        }
        stopped.await();
        return 0;
    }

    /**
     * Ctrl-C (SIGINT) stops at once ({@link HeraldServer#close()}) instead of draining, and cuts a
     * drain under way short: it marks {@code interrupted}, closes the server, then exits as the JVM
     * would (status 130), which runs the shutdown hook. SIGTERM, what process managers and
     * orchestrators send, drains ({@link HeraldServer#drain()}, docs/configuration.md "Shutdown").
     * Where the JVM does not let the handler be replaced, Ctrl-C drains too.
     */
    private static void quickStopOnInterrupt(HeraldServer server, AtomicBoolean interrupted) {
        try {
            Signal.handle(new Signal("INT"), signal -> {
                interrupted.set(true);
                server.close();
                System.exit(128 + signal.getNumber());
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // keep the JVM's own handler: Ctrl-C drains
        }
    }

    /**
     * Runs the command; exits with its status. A bad option, file, variable or value prints one line
     * naming it ({@code herald: --port: 70000 (expected: 0..65535)},
     * {@code herald: herald.yml:12: history.age: "10 minutes" is not a duration (use 10m)}) and exits
     * with 2, never a stack trace.
     */
    public static void main(String[] args) {
        int status = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(), args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command (until the server stops, unless it only checks or prints the configuration)
     * and returns its exit status: 0, or 2 for a bad option, file, variable or value, which is
     * reported on {@code err} in one line.
     */
    static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
        HeraldCommand command = new HeraldCommand();
        CommandLine cli = new CommandLine(command).setOut(out).setErr(err);
        cli.setParameterExceptionHandler((e, badArgs) -> {
            cli.getErr().println("herald: " + e.getMessage() + " (herald --help lists the options)");
            return 2;
        });
        cli.setExecutionStrategy(parsed -> {
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
            if (parsed.subcommand() != null && parsed.subcommand().commandSpec().userObject() instanceof TokenCommand token) {
                return token.call(env, cli.getOut(), cli.getErr());
            }
            try {
                return command.call(env);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        });
        return cli.execute(args);
    }
}
