package io.herald.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Each server's cost per delivery as a ratio to a baseline server's (e.g. Herald / Nchan), per
 * scenario (subscribers × rate) and transport: on server CPU, on total (server + load generator)
 * CPU and on p99 latency. On loopback the kernel charges part of a delivery to whichever side
 * sends (docs/benchmarks.md, "the whole cost per delivery"), so the ratio on server CPU alone can
 * flatter a server whose writes leave late; the total is the fair one. This is the one place
 * where the ratios {@code scripts/bench.sh} prints (through {@code herald-bench table}) are
 * computed. Stateless.
 */
public final class CostRatios {
    private CostRatios() {
    }

    /** One scenario and transport: a server beside the baseline, medians over their runs. */
    record Row(int subscribers, double rate, String transport, String label, int runs, int baselineRuns,
               Double serverUs, Double baselineServerUs, Double totalUs, Double baselineTotalUs,
               Double p99Ms, Double baselineP99Ms) {
        Double serverRatio() {
            return ratio(serverUs, baselineServerUs);
        }

        Double totalRatio() {
            return ratio(totalUs, baselineTotalUs);
        }

        Double p99Ratio() {
            return ratio(p99Ms, baselineP99Ms);
        }
    }

    private record Key(int subscribers, double rate, String transport) {
    }

    /**
     * The rows for every server other than {@code baseline} that ran a scenario and transport the
     * baseline ran too, in the order the reports first name them.
     */
    static List<Row> rows(List<LoadReport> reports, String baseline) {
        Map<Key, Map<String, List<LoadReport>>> groups = new LinkedHashMap<>();
        for (LoadReport r : reports) {
            groups.computeIfAbsent(new Key(r.subscribers(), r.rate(), r.transport()), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<Key, Map<String, List<LoadReport>>> group : groups.entrySet()) {
            List<LoadReport> base = group.getValue().get(baseline);
            if (base == null) {
                continue;
            }
            for (Map.Entry<String, List<LoadReport>> server : group.getValue().entrySet()) {
                if (server.getKey().equals(baseline)) {
                    continue;
                }
                List<LoadReport> runs = server.getValue();
                Key k = group.getKey();
                rows.add(new Row(k.subscribers(), k.rate(), k.transport(), server.getKey(), runs.size(), base.size(),
                        median(runs, LoadReport::serverCpuUsPerDelivery), median(base, LoadReport::serverCpuUsPerDelivery),
                        median(runs, LoadReport::totalCpuUsPerDelivery), median(base, LoadReport::totalCpuUsPerDelivery),
                        median(runs, LoadReport::latencyP99Ms), median(base, LoadReport::latencyP99Ms)));
            }
        }
        return rows;
    }

    /**
     * The ratios as a markdown table with a heading line, or an empty string when no server ran a
     * scenario the baseline ran.
     */
    public static String markdown(List<LoadReport> reports, String baseline) {
        List<Row> rows = rows(reports, baseline);
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("Ratios to " + baseline + " (server / " + baseline
                + "; below 1 is cheaper or faster; medians when a scenario ran more than once):\n\n");
        out.append("| subscribers | rate/s | transport | server | runs | server CPU µs/delivery | ").append(baseline)
                .append(" | ratio on server CPU | total CPU µs/delivery | ").append(baseline)
                .append(" | ratio on total CPU | p99 ms | ").append(baseline).append(" | ratio on p99 |\n")
                .append("|--:|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows) {
            Object[] cells = {r.subscribers(), Reports.cell(r.rate()), r.transport(), r.label(),
                    r.runs() + (r.baselineRuns() == r.runs() ? "" : " / " + r.baselineRuns()),
                    r.serverUs(), r.baselineServerUs(), Reports.round(r.serverRatio(), 2), r.totalUs(),
                    r.baselineTotalUs(), Reports.round(r.totalRatio(), 2), r.p99Ms(), r.baselineP99Ms(),
                    Reports.round(r.p99Ratio(), 2)};
            out.append('|');
            for (Object cell : cells) {
                out.append(' ').append(Reports.cell(cell)).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** {@code a / b}, or null when either is null or b is not positive. */
    static Double ratio(Double a, Double b) {
        return a == null || b == null || b <= 0 ? null : a / b;
    }

    /** The median of the non-null values, or null when there are none. */
    static Double median(List<LoadReport> reports, Function<LoadReport, Double> value) {
        List<Double> values = reports.stream().map(value).filter(Objects::nonNull).sorted().toList();
        if (values.isEmpty()) {
            return null;
        }
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : Reports.round((values.get(n / 2 - 1) + values.get(n / 2)) / 2, 3);
    }
}
