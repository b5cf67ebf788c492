package io.herald.server.cli;

import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.HeraldServer;
import io.herald.server.ServerConfig;
import io.herald.core.broker.MemoryBroker;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code herald} command: starts a server with an embedded in-memory hub and runs until SIGTERM
 * or Ctrl-C, then stops gracefully (clients are told to reconnect). {@code herald --help} lists the
 * options.
 */
@Command(name = "herald", mixinStandardHelpOptions = true, version = "Herald 0.1.0",
        description = "A real-time push server: one channel hub served over WebSocket, Server-Sent Events, "
                + "XHR streaming, the forever iframe, long polling and short polling.",
        sortOptions = false)
public final class HeraldCommand implements Callable<Integer> {
    /** The namespace of the demo channels ({@code demo:clock}, {@code demo:signups}, ...). */
    static final String DEMO_NAMESPACE = "demo";
    /** How long the demo namespace keeps history when {@code --demo} is on. */
    static final Duration DEMO_HISTORY_AGE = Duration.ofDays(1);

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "8080", description = "TCP port; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--io-threads", defaultValue = "0", description = "Event-loop threads; 0 for one per core (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--history-size", defaultValue = "1000", description = "Publications kept per channel (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--history-age", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long publications are kept, e.g. 30s, 10m, 1h (default: ${DEFAULT-VALUE}).")
    Duration historyAge;

    @Option(names = "--no-client-publish", description = "Forbid clients to publish over WebSocket in every namespace.")
    boolean noClientPublish;

    @Option(names = "--namespace", paramLabel = "NAME:SIZE:AGE:PUBLISH",
            description = "Options of one namespace (channels NAME:*), e.g. chat:500:5m:true. Repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--max-payload", defaultValue = "65536", description = "Largest publication in bytes (default: ${DEFAULT-VALUE}).")
    int maxPayload;

    @Option(names = "--queue-max-bytes", defaultValue = "1048576",
            description = "Outbound queue bound per session in bytes; a slower client is disconnected to resume (default: ${DEFAULT-VALUE}).")
    long queueMaxBytes;

    @Option(names = "--coalesce", defaultValue = "2ms", converter = DurationConverter.class,
            description = "Coalescing budget: a connection that was written to less than this ago waits up to this "
                    + "long so that several publications leave in one write; 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration coalesce;

    @Option(names = "--max-backlog", defaultValue = "0",
            description = "Pushes queued for subscribers, across all connections, above which POST /pub answers 503 "
                    + "overloaded until they drain; 0 for one per 256 bytes of maximum heap (default: ${DEFAULT-VALUE}).")
    long maxBacklog;

    @Option(names = "--heartbeat", defaultValue = "15s", converter = DurationConverter.class,
            description = "Heartbeat interval of streams and WebSocket pings (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--sse-retry", defaultValue = "2s", converter = DurationConverter.class,
            description = "The reconnection time SSE streams advise (default: ${DEFAULT-VALUE}).")
    Duration sseRetry;

    @Option(names = "--longpoll-timeout", defaultValue = "25s", converter = DurationConverter.class,
            description = "How long a long poll is held by default (default: ${DEFAULT-VALUE}).")
    Duration longPollTimeout;

    @Option(names = "--max-connections", defaultValue = "100000", description = "Open connections accepted (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--demo", negatable = true, defaultValue = "false",
            description = "Run the demo feeds (clock, ticker) and keep a day of history in the demo namespace (default: ${DEFAULT-VALUE}).")
    boolean demo;

    @Option(names = "--admin", description = "Route POST /admin/disconnect, a test switch that drops every session.")
    boolean admin;

    /** The option behind each setting the configuration records validate, for their error messages. */
    private static final Map<String, String> OPTION_OF = Map.ofEntries(
            Map.entry("port", "--port"), Map.entry("ioThreads", "--io-threads"),
            Map.entry("historySize", "--history-size"), Map.entry("historyAge", "--history-age"),
            Map.entry("maxPayloadBytes", "--max-payload"), Map.entry("queueMaxBytes", "--queue-max-bytes"),
            Map.entry("coalesce", "--coalesce"), Map.entry("maxBacklog", "--max-backlog"),
            Map.entry("heartbeat", "--heartbeat"), Map.entry("sseRetry", "--sse-retry"),
            Map.entry("longPollTimeout", "--longpoll-timeout"), Map.entry("maxConnections", "--max-connections"));

    /**
     * The server configuration the parsed options describe.
     *
     * @throws CommandLine.ParameterException naming the option, for a malformed {@code --namespace}
     *                                        or a value the configuration refuses
     */
    ServerConfig config() {
        try {
            NamespaceOptions defaults = NamespaceOptions.builder()
                    .historySize(historySize).historyAge(historyAge).allowClientPublish(!noClientPublish).build();
            NodeConfig.Builder node = NodeConfig.builder().defaultNamespace(defaults)
                    .maxPayloadBytes(maxPayload).queueMaxBytes(queueMaxBytes).coalesce(coalesce).maxBacklog(maxBacklog);
            if (demo) {
                // The demo pages start from history (the sign-up count, the chat): keep at least a day
                // of it. A --namespace demo:... below overrides this.
                Duration age = historyAge.compareTo(DEMO_HISTORY_AGE) >= 0 ? historyAge : DEMO_HISTORY_AGE;
                node.namespace(DEMO_NAMESPACE, defaults.toBuilder().historyAge(age).build());
            }
            for (String spec : namespaces) {
                namespace(node, spec);
            }
            return ServerConfig.builder().host(host).port(port).ioThreads(ioThreads).node(node.build())
                    .heartbeat(heartbeat).sseRetry(sseRetry).longPollTimeout(longPollTimeout)
                    .maxConnections(maxConnections).demo(demo).adminEnabled(admin).build();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            int colon = message.indexOf(':');
            String option = colon > 0 ? OPTION_OF.get(message.substring(0, colon)) : null;
            throw new CommandLine.ParameterException(new CommandLine(this),
                    (option != null ? option + ": " + message.substring(colon + 1).trim() : message));
        }
    }

    /** Adds one {@code --namespace NAME:SIZE:AGE:PUBLISH}; every part is checked, none defaulted. */
    private void namespace(NodeConfig.Builder node, String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length != 4) {
            throw namespaceError(spec, "expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true");
        }
        int size;
        try {
            size = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw namespaceError(spec, "SIZE '" + parts[1] + "' is not a whole number");
        }
        Duration age;
        try {
            age = DurationConverter.parse(parts[2]);
        } catch (CommandLine.TypeConversionException e) {
            throw namespaceError(spec, "AGE " + e.getMessage());
        }
        if (!parts[3].equals("true") && !parts[3].equals("false")) {
            throw namespaceError(spec, "PUBLISH '" + parts[3] + "' (expected: true or false)");
        }
        try {
            node.namespace(parts[0], NamespaceOptions.builder().historySize(size).historyAge(age)
                    .allowClientPublish(Boolean.parseBoolean(parts[3])).build());
        } catch (IllegalArgumentException e) {
            throw namespaceError(spec, e.getMessage());
        }
    }

    private CommandLine.ParameterException namespaceError(String spec, String problem) {
        return new CommandLine.ParameterException(new CommandLine(this), "--namespace " + spec + ": " + problem);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = config();
        HeraldServer server = HeraldServer.create(config, new MemoryBroker()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "herald-shutdown"));
        System.out.println("Herald is up: http://" + host + ":" + server.port() + "/  (Ctrl-C to stop)");
        stopped.await();
        return 0;
    }

    /**
     * Runs the command; exits with its status. A bad option or value prints one line naming it
     * ({@code herald: --port: 70000 (expected: 0..65535)}) and exits with 2, never a stack trace.
     */
    public static void main(String[] args) {
        int status = run(new PrintWriter(System.err, true), args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command (until the server stops) and returns its exit status: 0, or 2 for a bad
     * option or value, which is reported on {@code err} in one line.
     */
    static int run(PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new HeraldCommand()).setErr(err);
        cli.setParameterExceptionHandler((e, badArgs) -> {
            cli.getErr().println("herald: " + e.getMessage() + " (herald --help lists the options)");
            return 2;
        });
        return cli.execute(args);
    }
}
