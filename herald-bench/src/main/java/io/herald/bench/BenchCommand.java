package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.cli.DurationConverter;
import io.netty.util.ResourceLeakDetector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code herald-bench} command: one load or idle-capacity run against a push server on this
 * machine, reported as one JSON line on stdout (logs go to stderr). {@code herald-bench --help}
 * lists the options; {@code herald-bench table FILE...} turns JSON lines into a markdown table.
 *
 * <p>Exit status: 0 done; 1 the run could not go on; 2 bad arguments; 3 with {@code --check}, the
 * run was not clean (a subscriber failed to connect, or a loss, duplicate, reorder, publish error
 * or disconnect).
 */
@Command(name = "herald-bench", mixinStandardHelpOptions = true, version = "herald-bench 0.1.0",
        description = "Load generator for push servers (Herald, Nchan, Pushpin, ...) on this machine: SSE, "
                + "WebSocket or long-polling subscribers, an HTTP publisher at a fixed rate, loss/duplicate/order "
                + "checks, latency percentiles, and the server's CPU and memory from /proc.",
        sortOptions = false, subcommands = {BenchCommand.Table.class, PlotCommand.class})
public final class BenchCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(BenchCommand.class);

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL",
            description = "Subscriber URL template with {channel}, or a base URL to which Herald's path for the "
                    + "transport is appended (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--also-url", paramLabel = "URL",
            description = "Another subscriber URL (as --url; repeatable), e.g. a second node of a cluster: the "
                    + "subscribers are spread round-robin over --url and these.")
    List<String> alsoUrls = new ArrayList<>();

    @Option(names = "--transport", defaultValue = "sse", paramLabel = "sse|ws|longpoll|sockjs-ws|socketio-ws",
            converter = TransportConverter.class, description = "How subscribers connect (default: ${DEFAULT-VALUE}).")
    Transport transport;

    @Option(names = "--mode", defaultValue = "load", paramLabel = "load|idle", converter = ModeConverter.class,
            description = "load: publish and measure; idle: open connections in steps and read the server's RSS "
                    + "(default: ${DEFAULT-VALUE}).")
    BenchConfig.Mode mode;

    @Option(names = "--subscribers", defaultValue = "1000", description = "Subscriber connections (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--rate", defaultValue = "100", description = "Publications per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--payload-bytes", defaultValue = "64", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
            description = "Publishing before the measured window, e.g. 5s (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "20s", converter = DurationConverter.class,
            description = "The measured window (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--channel", description = "Channel name (default: bench-<random>, so no old history is replayed).")
    String channel;

    @Option(names = "--publish-url", paramLabel = "URL",
            description = "Publish URL template (POST, body = payload), e.g. http://127.0.0.1:8081/pub?id={channel} "
                    + "(default: /pub/{channel} on the --url server).")
    String publishUrl;

    @Option(names = "--server-pid", defaultValue = "0",
            description = "The server's process id, for its CPU and RSS from /proc, summed with its descendants' "
                    + "(nginx workers, Pushpin's services) (default: none).")
    long serverPid;

    @Option(names = "--watch-pid", paramLabel = "PID",
            description = "Another process whose CPU in the window is reported (watched_cpu_s, in order; repeatable), "
                    + "e.g. a second node or Redis.")
    List<Long> watchPids = new ArrayList<>();

    @Option(names = "--label", defaultValue = "herald", description = "Server name in the report (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--source-ips", defaultValue = "4",
            description = "Spread connections over this many source addresses 127.0.0.2.. (default: ${DEFAULT-VALUE}).")
    int sourceIps;

    @Option(names = "--threads", description = "Subscriber event-loop threads (default: available processors).")
    Integer threads;

    @Option(names = "--batch", defaultValue = "500", description = "Connections opened at once (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--connect-timeout", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long a batch may take to subscribe (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--settle", defaultValue = "1s", converter = DurationConverter.class,
            description = "Pause after the ramp (load) or after each step (idle) (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--drain", defaultValue = "5s", converter = DurationConverter.class,
            description = "Longest wait for deliveries after the last publication (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--publish-connections", defaultValue = "16",
            description = "Keep-alive publisher connections, each an ordered stream; each waits for its answer, so "
                    + "the most publications/s is about this many divided by the server's answer time "
                    + "(default: ${DEFAULT-VALUE}).")
    int publishConnections;

    @Option(names = "--idle-step", defaultValue = "1000",
            description = "Idle mode: connections per step (default: ${DEFAULT-VALUE}).")
    int idleStep;

    @Option(names = "--longpoll-timeout", defaultValue = "20s", converter = DurationConverter.class,
            description = "The timeout parameter of long polls (default: ${DEFAULT-VALUE}).")
    Duration longPollTimeout;

    @Option(names = "--publish-format", defaultValue = "raw", paramLabel = "raw|grip",
            converter = PublishFormatConverter.class,
            description = "Publish body: raw (the payload; Herald, Nchan) or grip (Pushpin's POST /publish/ JSON with "
                    + "http-stream SSE and ws-message formats) (default: ${DEFAULT-VALUE}).")
    BenchConfig.PublishFormat publishFormat;

    @Option(names = "--hold", defaultValue = "0s", converter = DurationConverter.class,
            description = "Idle mode: keep the connections open this long after the last step, e.g. to take a heap "
                    + "histogram of the server (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--header", paramLabel = "'NAME: VALUE'",
            description = "An extra header on every subscriber request (repeatable), e.g. 'Authorization: Bearer JWT'.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--publish-header", paramLabel = "'NAME: VALUE'",
            description = "An extra header on every publish request (repeatable), e.g. 'X-API-Key: KEY'.")
    List<String> publishHeaders = new ArrayList<>();

    @Option(names = "--bearer", paramLabel = "TOKEN",
            description = "Send 'Authorization: Bearer TOKEN' on every subscriber request (a server with access control on).")
    String bearer;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Send 'X-API-Key: KEY' on every publish request.")
    String apiKey;

    @Option(names = "--resume", description = "SSE subscribers reconnect with their last event id (Last-Event-ID) when the"
            + " server ends their connection (e.g. 4001 after a Redis restart) or it drops; resets are counted, and what"
            + " a reset skipped is reported as skipped by reset, not lost; the report's resume part tells when each"
            + " subscriber got its reset and its first publication after it.")
    boolean resume;

    @Option(names = "--syscalls", defaultValue = "auto", paramLabel = "auto|on|off",
            converter = SyscallsConverter.class,
            description = "Count the server's system calls in the window with perf stat (syscalls:sys_enter_* "
                    + "tracepoints of --server-pid and its descendants): auto when perf exists and can attach, on "
                    + "(the same, warning when it cannot; also 1), off (also 0); the report says why when not counted "
                    + "(default: ${DEFAULT-VALUE}).")
    SyscallCounter.Mode syscalls;

    @Option(names = "--markdown", description = "Also print a markdown table header and row after the JSON line.")
    boolean markdown;

    @Option(names = "--check", description = "Exit with status 3 unless the run was clean.")
    boolean check;

    private List<String> withBearer() {
        List<String> all = new ArrayList<>(headers);
        if (bearer != null) {
            all.add("Authorization: Bearer " + bearer);
        }
        return all;
    }

    private List<String> withApiKey() {
        List<String> all = new ArrayList<>(publishHeaders);
        if (apiKey != null) {
            all.add("X-API-Key: " + apiKey);
        }
        return all;
    }

    @Override
    public Integer call() {
        BenchConfig config;
        try {
            config = BenchConfig.builder()
                    .label(label).mode(mode).transport(transport).url(url).alsoUrls(alsoUrls).publishUrl(publishUrl)
                    .channel(channel != null ? channel : "bench-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24)))
                    .subscribers(subscribers).rate(rate).payloadBytes(payloadBytes).warmup(warmup).duration(duration)
                    .serverPid(serverPid).watchPids(watchPids).sourceIps(sourceIps)
                    .threads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
                    .batchSize(batch).connectTimeout(connectTimeout).settle(settle).drain(drain)
                    .publishConnections(publishConnections).idleStep(idleStep).longPollTimeout(longPollTimeout)
                    .publishFormat(publishFormat).hold(hold).headers(withBearer()).publishHeaders(withApiKey())
                    .resume(resume).syscalls(syscalls).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
        }
        log.debug("config: {}", config);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        try {
            if (config.mode() == BenchConfig.Mode.IDLE) {
                IdleReport report = new IdleRun(config).run();
                out.println(Reports.json(report));
                if (markdown) {
                    out.print(IdleReport.markdownHeader() + report.markdownRow());
                }
                out.flush();
                return check && report.stoppedBy() != null ? 3 : 0;
            }
            LoadReport report = new LoadRun(config).run();
            out.println(Reports.json(report));
            if (markdown) {
                out.print(LoadReport.markdownHeader() + report.markdownRow());
            }
            out.flush();
            if (!report.clean()) {
                log.warn("run not clean: {}", report.problems());
            }
            return check && !report.clean() ? 3 : 0;
        } catch (BenchException e) {
            log.error("run failed: {}", e.getMessage());
            log.debug("run failed", e);
            return 1;
        }
    }

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Sampling leak detection builds a stack trace for one buffer in 128; the tests keep it on.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    /** {@code herald-bench table [FILE...]}: JSON report lines (files or stdin) as markdown tables. */
    @Command(name = "table", mixinStandardHelpOptions = true,
            description = "Print the load and idle reports among JSON lines (files, or stdin) as markdown tables.")
    static final class Table implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files of JSON lines (default: stdin).")
        List<Path> files = new ArrayList<>();

        @Option(names = "--baseline", defaultValue = "nchan", paramLabel = "LABEL",
                description = "The server the others' CPU per delivery (server and total) and p99 are divided by, "
                        + "per scenario and transport, in the ratios after the load table (default: ${DEFAULT-VALUE}).")
        String baseline;

        @Override
        public Integer call() throws IOException {
            List<String> lines = new ArrayList<>();
            if (files.isEmpty()) {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    in.lines().forEach(lines::add);
                }
            } else {
                for (Path file : files) {
                    lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
                }
            }
            StringBuilder load = new StringBuilder();
            StringBuilder idle = new StringBuilder();
            StringBuilder wrk = new StringBuilder();
            List<LoadReport> reports = new ArrayList<>();
            // Lines may carry fields scripts/bench.sh adds (contention, live heap): read leniently.
            com.fasterxml.jackson.databind.ObjectMapper lenient = Reports.MAPPER.copy()
                    .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
            for (String line : lines) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode node = Reports.MAPPER.readTree(line);
                String mode = node.path("mode").asText();
                if ("load".equals(mode)) {
                    LoadReport report = lenient.treeToValue(node, LoadReport.class);
                    reports.add(report);
                    String row = report.markdownRow();
                    load.append(row, 0, row.length() - 1).append(' ').append(extra(node, "others_cpu_s")).append(" |\n");
                } else if ("idle".equals(mode)) {
                    String row = lenient.treeToValue(node, IdleReport.class).markdownRow();
                    idle.append(row, 0, row.length() - 1).append(' ')
                            .append(extra(node, "heap_live_bytes_per_connection")).append(" |\n");
                } else if ("wrk".equals(mode)) {
                    wrk.append(wrkRow(node));
                }
            }
            PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
            String separator = "";
            if (load.length() > 0) {
                String header = LoadReport.markdownHeader();
                int cut = header.indexOf('\n');
                out.print(header.substring(0, cut) + " others' CPU s |\n"
                        + header.substring(cut + 1, header.length() - 1) + "--:|\n" + load);
                separator = "\n";
                String notCounted = syscallNotes(reports);
                if (!notCounted.isEmpty()) {
                    out.print("\n" + notCounted);
                }
                String ratios = CostRatios.markdown(reports, baseline);
                if (!ratios.isEmpty()) {
                    out.print("\n" + ratios);
                }
            }
            if (idle.length() > 0) {
                String header = IdleReport.markdownHeader();
                int cut = header.indexOf('\n');
                out.print(separator + header.substring(0, cut) + " live heap B per connection |\n"
                        + header.substring(cut + 1, header.length() - 1) + "--:|\n" + idle);
                separator = "\n";
            }
            if (wrk.length() > 0) {
                out.print(separator + "| server | connections | payload B | requests/s | non-2xx | socket errors | p50 ms"
                        + " | p99 ms | server CPU s | requests / server CPU-s | subscriber events |\n"
                        + "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n" + wrk);
            }
            out.flush();
            return 0;
        }
    }

    /** One line per run whose system calls were not counted, saying why; empty when all were (or none tried). */
    static String syscallNotes(List<LoadReport> reports) {
        StringBuilder out = new StringBuilder();
        for (LoadReport r : reports) {
            if (r.syscalls() != null && r.syscalls().note() != null) {
                out.append("System calls of ").append(r.label()).append(' ').append(r.transport()).append(' ')
                        .append(r.subscribers()).append(" x ").append(Reports.cell(r.rate())).append(": ")
                        .append(r.syscalls().note()).append('\n');
            }
        }
        return out.toString();
    }

    /** A field added by {@code scripts/bench.sh}, rounded, as a markdown cell. */
    private static String extra(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNumber() ? Reports.cell(Reports.round(v.asDouble(), v.asDouble() >= 100 ? 0 : 1)) : "—";
    }

    /** One markdown row of a wrk result line written by {@code scripts/bench.sh}. */
    static String wrkRow(JsonNode n) {
        Object[] cells = {n.path("label").asText(), n.path("connections").asInt(), n.path("payload_bytes").asInt(),
                Reports.round(n.path("requests_per_s").asDouble(), 0), n.path("non_2xx_3xx").asLong(),
                n.path("socket_errors").asLong(), n.path("latency_p50_ms").asDouble(), n.path("latency_p99_ms").asDouble(),
                n.path("server_cpu_s").asDouble(),
                n.path("requests_per_server_cpu_s").isNumber() ? n.path("requests_per_server_cpu_s").asLong() : null,
                n.path("subscriber_events").asLong()};
        StringBuilder row = new StringBuilder("|");
        for (Object cell : cells) {
            row.append(' ').append(Reports.cell(cell)).append(" |");
        }
        return row.append('\n').toString();
    }

    /** Parses {@code sse}, {@code ws} (or {@code websocket}), {@code longpoll}, {@code sockjs-ws}, {@code socketio-ws}. */
    static final class TransportConverter implements CommandLine.ITypeConverter<Transport> {
        @Override
        public Transport convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "sse" -> Transport.SSE;
                case "ws", "websocket" -> Transport.WS;
                case "longpoll", "long-polling", "long-poll" -> Transport.LONGPOLL;
                case "sockjs-ws", "sockjs" -> Transport.SOCKJS_WS;
                case "socketio-ws", "socket.io", "socketio" -> Transport.SOCKETIO_WS;
                default -> throw new CommandLine.TypeConversionException("'" + value
                        + "' (expected: sse, ws, longpoll, sockjs-ws or socketio-ws)");
            };
        }
    }

    /** Parses {@code raw} or {@code grip}. */
    static final class PublishFormatConverter implements CommandLine.ITypeConverter<BenchConfig.PublishFormat> {
        @Override
        public BenchConfig.PublishFormat convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "raw" -> BenchConfig.PublishFormat.RAW;
                case "grip", "pushpin" -> BenchConfig.PublishFormat.GRIP;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' (expected: raw or grip)");
            };
        }
    }

    /** Parses {@code auto}, {@code on} or {@code off}. */
    static final class SyscallsConverter implements CommandLine.ITypeConverter<SyscallCounter.Mode> {
        @Override
        public SyscallCounter.Mode convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> SyscallCounter.Mode.AUTO;
                case "on", "1", "true" -> SyscallCounter.Mode.ON;
                case "off", "0", "false" -> SyscallCounter.Mode.OFF;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' (expected: auto, on or off)");
            };
        }
    }

    /** Parses {@code load} or {@code idle}. */
    static final class ModeConverter implements CommandLine.ITypeConverter<BenchConfig.Mode> {
        @Override
        public BenchConfig.Mode convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "load" -> BenchConfig.Mode.LOAD;
                case "idle" -> BenchConfig.Mode.IDLE;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' (expected: load or idle)");
            };
        }
    }
}
