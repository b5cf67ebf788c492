package io.herald.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/grafana-dashboard.json} from rotting: it is a dashboard Grafana can import
 * (panels with queries, on the data source chosen in its variable), and every {@code herald_*}
 * series it queries, with every label it groups or filters by, is in a real server's scrape.
 */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("..", "docs", "grafana-dashboard.json");
    private static final Pattern SERIES = Pattern.compile("\\b(herald_[a-z0-9_]+)(\\{[^}]*})?");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)\\s*(=~|!~|!=|=)");
    private static final Pattern BY = Pattern.compile("by \\(([a-z_, ]+)\\)");

    @Test
    void everySeriesAndLabelTheDashboardQueriesIsInARealScrape() throws IOException {
        JsonNode dashboard = TestServer.JSON.readTree(DASHBOARD.toFile());
        assertThat(dashboard.get("title").asText()).isEqualTo("Herald");
        assertThat(dashboard.get("uid").asText()).isNotBlank();
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as("panel %s has queries", panel.get("title")).isNotEmpty();
            assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
            for (JsonNode target : panel.get("targets")) {
                queries.add(target.get("expr").asText());
            }
        }
        String scrape;
        try (TestServer t = TestServer.start()) {
            t.publish("c", "x"); // a response, so that a status series exists
            HttpResponse<String> r = t.admin("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            scrape = r.body();
        }
        Set<String> missing = new TreeSet<>();
        int series = 0;
        for (String query : queries) {
            Matcher m = SERIES.matcher(query);
            while (m.find()) {
                series++;
                String name = m.group(1);
                if (!Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find()) {
                    missing.add(name);
                    continue;
                }
                List<String> labels = new ArrayList<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.add(l.group(1));
                    }
                }
                Matcher by = BY.matcher(query);
                while (by.find()) {
                    for (String label : by.group(1).split(",")) {
                        labels.add(label.trim());
                    }
                }
                for (String label : labels) {
                    // "instance" is added by Prometheus when it scrapes, "le" is every histogram bucket's
                    if (!label.equals("instance") && !(label.equals("le") && name.endsWith("_bucket"))
                            && !Pattern.compile("(?m)^" + name + "\\{[^}]*\\b" + label + "=").matcher(scrape).find()) {
                        missing.add(name + "{" + label + "}");
                    }
                }
            }
        }
        assertThat(series).as("herald_* series queried").isGreaterThan(10);
        assertThat(missing).as("series or labels the dashboard queries that a real scrape lacks").isEmpty();
    }
}
