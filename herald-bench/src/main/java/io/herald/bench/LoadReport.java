package io.herald.bench;

import java.util.List;

/**
 * The result of one load run, written as one JSON line ({@link Reports#json}) and as a markdown
 * table row ({@link #markdownRow()}). Counts are over the whole run unless they say "window";
 * latencies are in milliseconds with microsecond precision; CPU in seconds; memory in bytes.
 * Server fields are null when no {@code --server-pid} was given.
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
 */
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
                         List<Double> watchedCpuS, ResumeReport resume) {

    /** Copies the list, which must not be null. */
    public LoadReport {
        problems = List.copyOf(problems);
        watchedCpuS = List.copyOf(watchedCpuS);
    }

    /** Whether every subscriber subscribed and received every accepted publication once, in order. */
    public boolean clean() {
        return problems.isEmpty();
    }

    /** The markdown table header (two lines, ending with a newline) for {@link #markdownRow()}. */
    public static String markdownHeader() {
        return "| server | transport | subscribers | rate/s | payload B | connected | delivered | lost | dup | reord"
                + " | p50 ms | p99 ms | p99.9 ms | max ms | deliveries/s | server user s | server sys s"
                + " | deliveries / server CPU-s | server RSS before MiB | server RSS after MiB | loadgen CPU s"
                + " | published/s | problems |\n"
                + "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
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
                Reports.mib(serverRssAfterBytes), loadgen, publishedRate, problemsCell()};
        StringBuilder row = new StringBuilder("|");
        for (Object cell : cells) {
            row.append(' ').append(Reports.cell(cell)).append(" |");
        }
        return row.append('\n').toString();
    }
}
