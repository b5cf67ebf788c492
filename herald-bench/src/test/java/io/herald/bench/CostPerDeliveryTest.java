package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole cost per delivery in {@link LoadReport} (issue 14): the arithmetic, the system calls per
 * delivery from a real perf sample, the ratios to a baseline server, and that the result files
 * written before these figures existed (bench/results/*.jsonl) still load in {@code table} and
 * {@code plot} and show them.
 */
class CostPerDeliveryTest {
    private static final Path RESULTS = Path.of("..", "bench", "results");
    private static final ObjectMapper LENIENT = Reports.MAPPER.copy()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static LoadReport withSyscalls(LoadReport r, SyscallCounts s) {
        return new LoadReport(r.timestamp(), r.mode(), r.label(), r.transport(), r.subscribers(), r.connected(),
                r.connectFailures(), r.rate(), r.published(), r.publishErrors(), r.publishedRate(), r.publishBacklogMax(),
                r.payloadBytes(), r.warmupS(), r.durationS(), r.expected(), r.delivered(), r.lost(), r.duplicated(),
                r.reordered(), r.disconnects(), r.malformed(), r.windowDeliveries(), r.deliveriesPerS(),
                r.latencyP50Ms(), r.latencyP99Ms(), r.latencyP999Ms(), r.latencyMaxMs(), r.serverPid(),
                r.serverUserCpuS(), r.serverSysCpuS(), r.deliveriesPerServerCpuS(), r.serverRssInitialBytes(),
                r.serverRssBeforeBytes(), r.serverRssAfterBytes(), r.loadgenUserCpuS(), r.loadgenSysCpuS(), r.threads(),
                r.sourceIps(), r.publishConnections(), r.subscribeUrl(), r.publishUrl(), r.problems(), r.watchedCpuS(),
                r.resume(), s);
    }

    @Test
    void costPerDeliveryIsTheWindowsCpuOverItsDeliveries() {
        // 2,000,000 deliveries; server 1.5 s user + 2.5 s system; load generator 3 s + 4 s
        LoadReport r = ReportsTest.sample();
        assertThat(r.serverUserUsPerDelivery()).isEqualTo(0.75);
        assertThat(r.serverSysUsPerDelivery()).isEqualTo(1.25);
        assertThat(r.serverCpuUsPerDelivery()).isEqualTo(2.0);
        assertThat(r.loadgenCpuUsPerDelivery()).isEqualTo(3.5);
        assertThat(r.totalCpuUsPerDelivery()).isEqualTo(5.5);
        assertThat(r.deliveriesPerTotalCpuS()).isEqualTo(181818.0);
        // the existing key figure agrees with the new one: 1e6 / 2.0 µs
        assertThat(r.deliveriesPerServerCpuS()).isEqualTo(1e6 / r.serverCpuUsPerDelivery());
        assertThat(r.syscallWritesPerDelivery()).isNull();
    }

    @Test
    void systemCallsPerDeliveryFromARealPerfSample() throws IOException {
        LoadReport r = withSyscalls(ReportsTest.sample(),
                SyscallCounts.counted(SyscallCounter.parse(SyscallCounterTest.sample("herald-ws-1000x100"))));
        // writes 256 + 14071 + 256 + 0, reads 58 + 256, epoll 16, futex 801 over 2,000,000 deliveries
        assertThat(r.syscallWritesPerDelivery()).isEqualTo(0.007);
        assertThat(r.syscallReadsPerDelivery()).isEqualTo(0.0);
        assertThat(r.syscallFutexPerDelivery()).isEqualTo(0.0);
        LoadReport few = new LoadReport("t", "load", "x", "ws", 1, 1, 0, 1, 1, 0, 1.0, 0, 64, 0, 1, 1, 1, 0, 0, 0, 0, 0,
                14583, 1.0, 0.1, 0.1, 0.1, 0.1, 1L, 0.01, 0.02, null, null, null, null, 0.0, 0.0, 1, 1, 1, "u", "p",
                List.of(), List.of(), null, SyscallCounts.counted(SyscallCounter.parse(SyscallCounterTest.sample("herald-ws-1000x100"))));
        assertThat(few.syscallWritesPerDelivery()).isEqualTo(1.0);
        assertThat(few.syscallReadsPerDelivery()).isEqualTo(0.022);
        assertThat(few.syscallEpollWaitsPerDelivery()).isEqualTo(0.001);
        assertThat(few.syscallFutexPerDelivery()).isEqualTo(0.055);
        assertThat(few.markdownRow()).contains("| 1 | 0.022 | 0.001 | 0.055 |");
    }

    @Test
    void theJsonLineCarriesTheDerivedFiguresAndReadsBack() throws Exception {
        LoadReport r = withSyscalls(ReportsTest.sample(), SyscallCounts.notCounted("not counted: --syscalls off"));
        JsonNode node = Reports.MAPPER.readTree(Reports.json(r));
        assertThat(node.get("server_cpu_us_per_delivery").asDouble()).isEqualTo(2.0);
        assertThat(node.get("total_cpu_us_per_delivery").asDouble()).isEqualTo(5.5);
        assertThat(node.get("deliveries_per_total_cpu_s").asDouble()).isEqualTo(181818.0);
        assertThat(node.get("syscall_writes_per_delivery").isNull()).isTrue();
        assertThat(node.get("syscalls").get("note").asText()).isEqualTo("not counted: --syscalls off");
        assertThat(node.has("counted")).isFalse();
        // strict reading (no unknown property allowed) gives the same report back
        assertThat(Reports.MAPPER.readValue(Reports.json(r), LoadReport.class)).isEqualTo(r);
    }

    @Test
    void everyCommittedResultFileStillLoadsAndGetsTheNewFigures() throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(RESULTS)) {
            files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        int loads = 0;
        for (Path file : files) {
            int before = loads;
            for (String line : Files.readAllLines(file)) {
                JsonNode node = Reports.MAPPER.readTree(line);
                if (!"load".equals(node.path("mode").asText())) {
                    continue;
                }
                LoadReport r = LENIENT.treeToValue(node, LoadReport.class);
                loads++;
                // lines from before system calls were counted have none; newer ones the counts or the reason
                boolean counted = node.path("syscalls").isObject();
                assertThat(r.syscalls() != null).as(file.toString()).isEqualTo(counted);
                if (counted && r.syscalls().isCounted()) {
                    assertThat(r.syscallsPerDelivery()).isEqualTo(
                            Reports.round(node.path("syscalls").path("counts").path("all").asDouble() / r.windowDeliveries(), 3));
                }
                assertThat(r.markdownRow()).endsWith("|\n");
                if (node.path("server_user_cpu_s").isNumber() && node.path("window_deliveries").asLong() > 0) {
                    double expected = (node.path("server_user_cpu_s").asDouble() + node.path("server_sys_cpu_s").asDouble())
                            * 1e6 / node.path("window_deliveries").asLong();
                    assertThat(r.serverCpuUsPerDelivery()).as(file + ": " + line).isCloseTo(expected,
                            org.assertj.core.api.Assertions.within(0.006));
                }
            }
            String table = table(file.toString());
            if (loads > before) {
                assertThat(table).as(file.toString()).contains("| total CPU µs/delivery |");
                assertThat(table.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| server |")
                        && !l.startsWith("| subscribers |")).count()).as(file.toString()).isGreaterThanOrEqualTo(loads - before);
            }
        }
        assertThat(loads).isGreaterThan(100);
    }

    @Test
    void tableQuotesRatiosToNchanOnServerAndTotalCpu() throws Exception {
        // final4 (issue 4's reference run): Herald, Nchan, Pushpin and an older Herald, four scenarios, SSE and WS
        String out = table(RESULTS.resolve("final4.jsonl").toString());
        assertThat(out).contains("| total CPU µs/delivery |").contains("Ratios to nchan");
        List<LoadReport> reports = new ArrayList<>();
        for (String line : Files.readAllLines(RESULTS.resolve("final4.jsonl"))) {
            JsonNode node = Reports.MAPPER.readTree(line);
            if ("load".equals(node.path("mode").asText())) {
                reports.add(LENIENT.treeToValue(node, LoadReport.class));
            }
        }
        LoadReport herald = reports.stream().filter(r -> r.label().equals("herald") && r.transport().equals("ws")
                && r.subscribers() == 1000 && r.rate() == 100).findFirst().orElseThrow();
        LoadReport nchan = reports.stream().filter(r -> r.label().equals("nchan") && r.transport().equals("ws")
                && r.subscribers() == 1000 && r.rate() == 100).findFirst().orElseThrow();
        CostRatios.Row row = CostRatios.rows(reports, "nchan").stream().filter(x -> x.label().equals("herald")
                && x.transport().equals("ws") && x.subscribers() == 1000 && x.rate() == 100).findFirst().orElseThrow();
        assertThat(row.serverRatio()).isEqualTo(herald.serverCpuUsPerDelivery() / nchan.serverCpuUsPerDelivery());
        assertThat(row.totalRatio()).isEqualTo(herald.totalCpuUsPerDelivery() / nchan.totalCpuUsPerDelivery());
        assertThat(out).contains("| 1000 | 100 | ws | herald | 1 | " + herald.serverCpuUsPerDelivery() + " | "
                + nchan.serverCpuUsPerDelivery() + " | " + Reports.cell(Reports.round(row.serverRatio(), 2)) + " | ");
        // no ratio row for the baseline itself, nor for a scenario the baseline did not run
        assertThat(CostRatios.rows(reports, "nchan")).noneMatch(x -> x.label().equals("nchan"));
        assertThat(CostRatios.rows(reports, "no-such-server")).isEmpty();
    }

    @Test
    void ratiosTakeTheMedianOfRepeatedRuns() {
        LoadReport base = ReportsTest.sample();
        List<LoadReport> reports = List.of(relabel(base, "nchan", 4.0), relabel(base, "herald", 1.0),
                relabel(base, "herald", 3.0), relabel(base, "herald", 2.0));
        CostRatios.Row row = CostRatios.rows(reports, "nchan").get(0);
        assertThat(row.runs()).isEqualTo(3);
        assertThat(row.serverUs()).isEqualTo(1.0 + 2.0); // user 2.0 µs (median) + sys 1.0 µs
        assertThat(row.serverRatio()).isEqualTo(3.0 / 5.0);
    }

    @Test
    void plotStillDrawsAnOldResultFile(@TempDir Path dir) {
        Path png = dir.resolve("plot.png");
        int status = new CommandLine(new PlotCommand()).execute(RESULTS.resolve("final4.jsonl").toString(), "-o",
                png.toString());
        assertThat(status).isZero();
        assertThat(png).isNotEmptyFile();
    }

    /** A copy of {@code r} under {@code label} with {@code userUs} µs of server user CPU and 1 µs system per delivery. */
    private static LoadReport relabel(LoadReport r, String label, double userUs) {
        double seconds = r.windowDeliveries() / 1e6;
        return new LoadReport(r.timestamp(), r.mode(), label, r.transport(), r.subscribers(), r.connected(),
                r.connectFailures(), r.rate(), r.published(), r.publishErrors(), r.publishedRate(), r.publishBacklogMax(),
                r.payloadBytes(), r.warmupS(), r.durationS(), r.expected(), r.delivered(), r.lost(), r.duplicated(),
                r.reordered(), r.disconnects(), r.malformed(), r.windowDeliveries(), r.deliveriesPerS(),
                r.latencyP50Ms(), r.latencyP99Ms(), r.latencyP999Ms(), r.latencyMaxMs(), r.serverPid(),
                userUs * seconds, 1.0 * seconds, r.deliveriesPerServerCpuS(), r.serverRssInitialBytes(),
                r.serverRssBeforeBytes(), r.serverRssAfterBytes(), r.loadgenUserCpuS(), r.loadgenSysCpuS(), r.threads(),
                r.sourceIps(), r.publishConnections(), r.subscribeUrl(), r.publishUrl(), r.problems(), r.watchedCpuS(),
                r.resume(), null);
    }

    /** What {@code herald-bench table FILE} prints. */
    private static String table(String file) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            int status = new CommandLine(new BenchCommand.Table()).execute(file);
            assertThat(status).as("table " + file).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
