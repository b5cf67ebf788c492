package io.herald.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The result of one load run, written as one JSON line ({@link Reports#json}) and as a markdown
 * table row ({@link #markdownRow()}). Counts are over the whole run unless they say "window";
 * latencies are in milliseconds with microsecond precision; CPU in seconds; memory in bytes.
 * Server fields are null when no {@code --server-pid} was given.
 *
 * <p>The cost per delivery (issue 14) is derived from the window's CPU readings and deliveries by
 * this record's accessors, so that a result line written before those figures existed shows them
 * too when read back ({@code table}): server user, system and total CPU per delivery, the load
 * generator's CPU per delivery and the total of both ({@link #totalCpuUsPerDelivery()}), deliveries
 * per total CPU-second, and the server's system calls per delivery ({@link #syscalls}). They are
 * written to the JSON line and ignored when it is read back. On loopback the split between server
 * and load generator depends on who sends when (docs/benchmarks.md, "the whole cost per delivery"):
 * compare servers on both.
 *
 * @param timestamp               when the run ended (ISO-8601)
 * @param mode                    always {@code load}
 * @param label                   the server's name, e.g. {@code herald}
 * @param transport               {@code sse}, {@code ws} or {@code longpoll}
 * @param subscribers             connections asked for
 * @param connected               connections that subscribed
 * @param connectFailures         connections that did not
 * @param rate                    offered publications per second
 * @param published               publications the server accepted (2xx), warm-up included
 * @param publishErrors           publications refused or lost with their connection
 * @param publishedRate           accepted publications per second of publishing
 * @param publishBacklogMax       the most publications due but not yet sent at once in the window (the publisher
 *                                falling behind)
 * @param payloadBytes            the payload size
 * @param warmupS                 seconds of publishing before the window
 * @param durationS               the measured window in seconds
 * @param expected                published × connected: deliveries a perfect server makes
 * @param delivered               distinct deliveries (first arrivals) over the whole run
 * @param lost                    expected − delivered, summed per subscriber and stream
 * @param duplicated              arrivals of a publication the subscriber had already received
 * @param reordered               first arrivals that came after a later publication of their stream
 * @param disconnects             subscriber connections the server ended during the run
 * @param malformed               messages that were not benchmark payloads
 * @param windowDeliveries        distinct deliveries that arrived inside the window
 * @param deliveriesPerS          windowDeliveries / durationS
 * @param latencyP50Ms            median publish-to-delivery latency in the window
 * @param latencyP99Ms            99th percentile
 * @param latencyP999Ms           99.9th percentile
 * @param latencyMaxMs            maximum
 * @param serverPid               the server's process id, or null
 * @param serverUserCpuS          the server's user CPU seconds in the window
 * @param serverSysCpuS           the server's system CPU seconds in the window
 * @param deliveriesPerServerCpuS windowDeliveries / (user + system CPU seconds): the key figure
 * @param serverRssInitialBytes   the server's RSS before any connection was opened
 * @param serverRssBeforeBytes    the server's RSS at the start of the window
 * @param serverRssAfterBytes     the server's RSS at the end of the window
 * @param loadgenUserCpuS         this load generator's user CPU seconds in the window
 * @param loadgenSysCpuS          this load generator's system CPU seconds in the window
 * @param threads                 subscriber event-loop threads
 * @param sourceIps               source addresses the connections were spread over
 * @param publishConnections      publisher connections (streams)
 * @param subscribeUrl            the subscriber URL template
 * @param publishUrl              the publish URL template
 * @param problems                what made the run imperfect (empty when none)
 * @param watchedCpuS             user + system CPU seconds in the window of each {@code --watch-pid} process
 *                                (with its descendants), in the order given; empty when none
 * @param resume                  what the subscribers saw of resets ({@code --resume}), or null
 * @param syscalls                the server's system calls in the window, or why they were not counted;
 *                                null in lines written before they were counted
 */
@JsonIgnoreProperties(value = {"server_user_us_per_delivery", "server_sys_us_per_delivery",
        "server_cpu_us_per_delivery", "loadgen_cpu_us_per_delivery", "total_cpu_us_per_delivery",
        "deliveries_per_total_cpu_s", "syscall_writes_per_delivery", "syscall_reads_per_delivery",
        "syscall_epoll_waits_per_delivery", "syscall_futex_per_delivery", "syscalls_per_delivery"},
        allowGetters = true)
public record LoadReport(String timestamp, String mode, String label, String transport, int subscribers,
                         int connected, long connectFailures, double rate, long published, long publishErrors,
                         Double publishedRate, long publishBacklogMax, int payloadBytes, double warmupS,
                         double durationS, long expected, long delivered, long lost, long duplicated, long reordered,
                         long disconnects, long malformed, long windowDeliveries, Double deliveriesPerS,
                         Double latencyP50Ms, Double latencyP99Ms, Double latencyP999Ms, Double latencyMaxMs,
                         Long serverPid, Double serverUserCpuS, Double serverSysCpuS, Double deliveriesPerServerCpuS,
                         Long serverRssInitialBytes, Long serverRssBeforeBytes, Long serverRssAfterBytes,
                         Double loadgenUserCpuS, Double loadgenSysCpuS, int threads, int sourceIps,
                         int publishConnections, String subscribeUrl, String publishUrl, List<String> problems,
                         List<Double> watchedCpuS, ResumeReport resume, SyscallCounts syscalls) {

    /** Copies the lists; a missing one (a line older than the field, e.g. {@code watched_cpu_s}) is empty. */
    public LoadReport {
        problems = problems == null ? List.of() : List.copyOf(problems);
        watchedCpuS = watchedCpuS == null ? List.of() : List.copyOf(watchedCpuS);
    }

    /** Whether every subscriber subscribed and received every accepted publication once, in order. */
    public boolean clean() {
        return problems.isEmpty();
    }

    /** The server's user CPU per window delivery in µs, or null without a server reading or deliveries. */
    @JsonProperty("server_user_us_per_delivery")
    public Double serverUserUsPerDelivery() {
        return microsPerDelivery(serverUserCpuS);
    }

    /** The server's system CPU per window delivery in µs, or null. */
    @JsonProperty("server_sys_us_per_delivery")
    public Double serverSysUsPerDelivery() {
        return microsPerDelivery(serverSysCpuS);
    }

    /** The server's user + system CPU per window delivery in µs, or null. */
    @JsonProperty("server_cpu_us_per_delivery")
    public Double serverCpuUsPerDelivery() {
        return microsPerDelivery(sum(serverUserCpuS, serverSysCpuS));
    }

    /** This load generator's user + system CPU per window delivery in µs (subscribers and publisher), or null. */
    @JsonProperty("loadgen_cpu_us_per_delivery")
    public Double loadgenCpuUsPerDelivery() {
        return microsPerDelivery(sum(loadgenUserCpuS, loadgenSysCpuS));
    }

    /**
     * Server and load generator CPU per window delivery in µs: the whole cost of a delivery on this
     * machine, whichever side the kernel charged it to; null without a server reading.
     */
    @JsonProperty("total_cpu_us_per_delivery")
    public Double totalCpuUsPerDelivery() {
        return microsPerDelivery(sum(sum(serverUserCpuS, serverSysCpuS), sum(loadgenUserCpuS, loadgenSysCpuS)));
    }

    /** Window deliveries per CPU-second of server and load generator together, or null. */
    @JsonProperty("deliveries_per_total_cpu_s")
    public Double deliveriesPerTotalCpuS() {
        Double cpu = sum(sum(serverUserCpuS, serverSysCpuS), sum(loadgenUserCpuS, loadgenSysCpuS));
        return cpu == null || cpu <= 0 ? null : Reports.round(windowDeliveries / cpu, 0);
    }

    /** The server's write system calls ({@link SyscallCounts#WRITES}) per window delivery, or null when not counted. */
    @JsonProperty("syscall_writes_per_delivery")
    public Double syscallWritesPerDelivery() {
        return callsPerDelivery(SyscallCounts.WRITES);
    }

    /** The server's read system calls ({@link SyscallCounts#READS}) per window delivery, or null. */
    @JsonProperty("syscall_reads_per_delivery")
    public Double syscallReadsPerDelivery() {
        return callsPerDelivery(SyscallCounts.READS);
    }

    /** The server's epoll waits ({@link SyscallCounts#EPOLL_WAITS}) per window delivery, or null. */
    @JsonProperty("syscall_epoll_waits_per_delivery")
    public Double syscallEpollWaitsPerDelivery() {
        return callsPerDelivery(SyscallCounts.EPOLL_WAITS);
    }

    /** The server's futex calls per window delivery, or null. */
    @JsonProperty("syscall_futex_per_delivery")
    public Double syscallFutexPerDelivery() {
        return callsPerDelivery(SyscallCounts.FUTEX);
    }

    /** Every system call of the server per window delivery ({@link SyscallCounts#ALL}), or null when not counted. */
    @JsonProperty("syscalls_per_delivery")
    public Double syscallsPerDelivery() {
        return callsPerDelivery(List.of(SyscallCounts.ALL));
    }

    private Double microsPerDelivery(Double cpuSeconds) {
        return cpuSeconds == null || windowDeliveries <= 0 ? null : Reports.round(cpuSeconds * 1e6 / windowDeliveries, 2);
    }

    private Double callsPerDelivery(List<String> names) {
        Long calls = syscalls == null ? null : syscalls.sum(names);
        return calls == null || windowDeliveries <= 0 ? null : Reports.round(calls / (double) windowDeliveries, 3);
    }

    private static Double sum(Double a, Double b) {
        return a == null || b == null ? null : a + b;
    }

    /** The markdown table header (two lines, ending with a newline) for {@link #markdownRow()}. */
    public static String markdownHeader() {
        return "| server | transport | subscribers | rate/s | payload B | connected | delivered | lost | dup | reord"
                + " | p50 ms | p99 ms | p99.9 ms | max ms | deliveries/s | server user s | server sys s"
                + " | deliveries / server CPU-s | server RSS before MiB | server RSS after MiB | loadgen CPU s"
                + " | published/s | server user µs/delivery | server sys µs/delivery | server CPU µs/delivery"
                + " | loadgen CPU µs/delivery | total CPU µs/delivery | deliveries / total CPU-s | writes/delivery"
                + " | reads/delivery | epoll waits/delivery | futex/delivery | system calls/delivery | problems |\n"
                + "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:"
                + "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
    }

    private String problemsCell() {
        if (problems.isEmpty()) {
            return "";
        }
        String text = String.join("; ", problems).replace('|', '/').replace('\n', ' ');
        return text.length() <= 140 ? text : text.substring(0, 140) + "...";
    }

    /** This report as one markdown table row (ending with a newline). */
    public String markdownRow() {
        Double loadgen = loadgenUserCpuS == null || loadgenSysCpuS == null ? null
                : Reports.round(loadgenUserCpuS + loadgenSysCpuS, 2);
        Object[] cells = {label, transport, subscribers, Reports.cell(rate), payloadBytes, connected, delivered, lost,
                duplicated, reordered, latencyP50Ms, latencyP99Ms, latencyP999Ms, latencyMaxMs, deliveriesPerS,
                serverUserCpuS, serverSysCpuS, deliveriesPerServerCpuS, Reports.mib(serverRssBeforeBytes),
                Reports.mib(serverRssAfterBytes), loadgen, publishedRate, serverUserUsPerDelivery(),
                serverSysUsPerDelivery(), serverCpuUsPerDelivery(), loadgenCpuUsPerDelivery(), totalCpuUsPerDelivery(),
                deliveriesPerTotalCpuS(), syscallWritesPerDelivery(), syscallReadsPerDelivery(),
                syscallEpollWaitsPerDelivery(), syscallFutexPerDelivery(), syscallsPerDelivery(), problemsCell()};
        StringBuilder row = new StringBuilder("|");
        for (Object cell : cells) {
            row.append(' ').append(Reports.cell(cell)).append(" |");
        }
        return row.append('\n').toString();
    }
}
