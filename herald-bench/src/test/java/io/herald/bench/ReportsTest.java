package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportsTest {

    static LoadReport sample() {
        return new LoadReport("2025-01-01T00:00:00Z", "load", "herald", "sse", 1000, 1000, 0, 100, 2500, 0, 100.0, 1,
                64, 5, 20.0, 2_500_000, 2_500_000, 0, 0, 0, 0, 0, 2_000_000, 100000.0, 0.412, 1.873, 3.1, 7.25,
                4242L, 1.5, 2.5, 500000.0, 50L << 20, 60L << 20, 61L << 20, 3.0, 4.0, 1, 4, 1,
                "http://127.0.0.1:8080/sse/{channel}", "http://127.0.0.1:8080/pub/{channel}", List.of(), List.of(1.25), null, null);
    }

    @Test
    void loadReportIsOneSnakeCaseJsonLine() throws Exception {
        String json = Reports.json(sample());
        assertThat(json).doesNotContain("\n");
        JsonNode node = Reports.MAPPER.readTree(json);
        assertThat(node.get("deliveries_per_server_cpu_s").asDouble()).isEqualTo(500000.0);
        assertThat(node.get("latency_p999_ms").asDouble()).isEqualTo(3.1);
        assertThat(node.get("server_user_cpu_s").asDouble()).isEqualTo(1.5);
        assertThat(node.get("server_rss_before_bytes").asLong()).isEqualTo(60L << 20);
        assertThat(node.get("loadgen_user_cpu_s").asDouble()).isEqualTo(3.0);
        assertThat(node.has("clean")).isFalse();
        assertThat(node.get("problems").isArray()).isTrue();
        assertThat(node.get("watched_cpu_s").get(0).asDouble()).isEqualTo(1.25);
    }

    @Test
    void loadReportReadsBackFromItsJson() throws Exception {
        LoadReport back = Reports.MAPPER.readValue(Reports.json(sample()), LoadReport.class);
        assertThat(back).isEqualTo(sample());
    }

    @Test
    void markdownRowMatchesTheHeader() {
        String header = LoadReport.markdownHeader().lines().findFirst().orElseThrow();
        String row = sample().markdownRow();
        assertThat(row.chars().filter(c -> c == '|').count()).isEqualTo(header.chars().filter(c -> c == '|').count());
        assertThat(row).startsWith("| herald | sse | 1000 | 100 | 64 | 1000 | 2500000 | 0 | 0 | 0 | 0.412 | 1.873 |")
                .contains("| 500000 |").contains("| 60 | 61 | 7 |");
    }

    @Test
    void missingServerReadingsAreNullInJsonAndDashesInMarkdown() throws Exception {
        LoadReport r = new LoadReport("t", "load", "x", "ws", 1, 1, 0, 1, 1, 0, 1.0, 0, 64, 0, 1, 1, 1, 0, 0, 0, 0, 0,
                1, 1.0, 0.1, 0.1, 0.1, 0.1, null, null, null, null, null, null, null, 0.0, 0.0, 1, 1, 1, "u", "p",
                List.of(), List.of(), null, null);
        assertThat(Reports.MAPPER.readTree(Reports.json(r)).get("server_user_cpu_s").isNull()).isTrue();
        assertThat(r.markdownRow()).contains("| — | — | — | — | — |");
    }

    @Test
    void idleSlopeIsBetweenFirstAndLastStepAndFitIsLeastSquares() {
        List<IdleReport.Step> steps = List.of(new IdleReport.Step(1000, 50_000_000L),
                new IdleReport.Step(2000, 58_000_000L), new IdleReport.Step(3000, 62_000_000L));
        assertThat(IdleReport.slope(steps)).isEqualTo(6000.0);
        assertThat(IdleReport.fit(steps)).isCloseTo(6000.0, within(1e-6));
        List<IdleReport.Step> line = List.of(new IdleReport.Step(1000, 10_000L), new IdleReport.Step(2000, 30_000L),
                new IdleReport.Step(4000, 70_000L));
        assertThat(IdleReport.fit(line)).isCloseTo(20.0, within(1e-9));
        assertThat(IdleReport.slope(List.of(new IdleReport.Step(1000, 1L)))).isNull();
        assertThat(IdleReport.slope(List.of(new IdleReport.Step(1000, null), new IdleReport.Step(2000, null)))).isNull();
    }

    @Test
    void idleReportIsOneJsonLineWithSteps() throws Exception {
        IdleReport r = new IdleReport("t", "idle", "herald", "sse", 3000, 3000, 0,
                List.of(new IdleReport.Step(1000, 1L << 20), new IdleReport.Step(3000, 2L << 20)), 524.3, 524.3,
                1L, 1L << 20, 0.1, 0.2, 1L << 26, 4, "u", null);
        JsonNode node = Reports.MAPPER.readTree(Reports.json(r));
        assertThat(node.get("steps").get(1).get("server_rss_bytes").asLong()).isEqualTo(2L << 20);
        assertThat(node.get("rss_slope_bytes_per_connection").asDouble()).isEqualTo(524.3);
        assertThat(r.markdownRow()).startsWith("| herald | sse | 3000 | 1 | 2 | 524 | 524 | — |");
    }
}
