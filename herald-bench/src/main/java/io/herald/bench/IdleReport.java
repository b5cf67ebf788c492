package io.herald.bench;

import java.util.List;

/**
 * The result of one idle-capacity run: the server's RSS after each step of open connections and
 * the memory cost of one connection. Written as one JSON line ({@link Reports#json}).
 *
 * @param timestamp                    when the run ended (ISO-8601)
 * @param mode                         always {@code idle}
 * @param label                        the server's name
 * @param transport                    {@code sse}, {@code ws} or {@code longpoll}
 * @param target                       connections asked for
 * @param connected                    connections that subscribed
 * @param connectFailures              connections that did not
 * @param steps                        the readings after each step, in order
 * @param rssSlopeBytesPerConnection   (RSS at the last step − RSS at the first) / (connections at the last − at the first);
 *                                     null with fewer than two steps or no server pid
 * @param rssFitBytesPerConnection     the least-squares slope over all steps; null likewise
 * @param serverPid                    the server's process id, or null
 * @param serverRssInitialBytes        the server's RSS before any connection was opened
 * @param serverUserCpuS               the server's user CPU seconds during the ramp
 * @param serverSysCpuS                the server's system CPU seconds during the ramp
 * @param loadgenRssBytes              this load generator's RSS at the last step
 * @param sourceIps                    source addresses the connections were spread over
 * @param subscribeUrl                 the subscriber URL template
 * @param stoppedBy                    why the ramp stopped before the target (e.g. the open-file limit), or null
 */
public record IdleReport(String timestamp, String mode, String label, String transport, int target, int connected,
                         long connectFailures, List<Step> steps, Double rssSlopeBytesPerConnection,
                         Double rssFitBytesPerConnection, Long serverPid, Long serverRssInitialBytes,
                         Double serverUserCpuS, Double serverSysCpuS, Long loadgenRssBytes, int sourceIps,
                         String subscribeUrl, String stoppedBy) {

    /** Copies the list, which must not be null. */
    public IdleReport {
        steps = List.copyOf(steps);
    }

    /**
     * One reading.
     *
     * @param connections    connections open (subscribed) at the reading
     * @param serverRssBytes the server's RSS, or null without a server pid
     */
    public record Step(int connections, Long serverRssBytes) {
    }

    /**
     * The slope between the first and the last step with an RSS reading, in bytes per connection.
     *
     * @return null with fewer than two such steps or no change in connections
     */
    static Double slope(List<Step> steps) {
        List<Step> read = steps.stream().filter(s -> s.serverRssBytes() != null).toList();
        if (read.size() < 2) {
            return null;
        }
        Step first = read.get(0);
        Step last = read.get(read.size() - 1);
        int dc = last.connections() - first.connections();
        return dc == 0 ? null : (last.serverRssBytes() - first.serverRssBytes()) / (double) dc;
    }

    /**
     * The least-squares slope of RSS against connections over every step with a reading.
     *
     * @return null with fewer than two such steps or all at the same connection count
     */
    static Double fit(List<Step> steps) {
        List<Step> read = steps.stream().filter(s -> s.serverRssBytes() != null).toList();
        int n = read.size();
        if (n < 2) {
            return null;
        }
        double mx = read.stream().mapToDouble(Step::connections).average().orElse(0);
        double my = read.stream().mapToDouble(s -> s.serverRssBytes()).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (Step s : read) {
            sxy += (s.connections() - mx) * (s.serverRssBytes() - my);
            sxx += (s.connections() - mx) * (s.connections() - mx);
        }
        return sxx == 0 ? null : sxy / sxx;
    }

    /** The markdown table header (two lines) for {@link #markdownRow()}. */
    public static String markdownHeader() {
        return "| server | transport | connections | server RSS first MiB | server RSS last MiB"
                + " | RSS per connection B (first→last) | RSS per connection B (fit) | stopped by |\n"
                + "|---|---|--:|--:|--:|--:|--:|---|\n";
    }

    /** This report as one markdown table row (ending with a newline). */
    public String markdownRow() {
        Long first = steps.isEmpty() ? null : steps.get(0).serverRssBytes();
        Long last = steps.isEmpty() ? null : steps.get(steps.size() - 1).serverRssBytes();
        Object[] cells = {label, transport, connected, Reports.mib(first), Reports.mib(last),
                Reports.round(rssSlopeBytesPerConnection, 0), Reports.round(rssFitBytesPerConnection, 0),
                stoppedBy};
        StringBuilder row = new StringBuilder("|");
        for (Object cell : cells) {
            row.append(' ').append(Reports.cell(cell)).append(" |");
        }
        return row.append('\n').toString();
    }
}
