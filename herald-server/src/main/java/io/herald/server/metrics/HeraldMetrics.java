package io.herald.server.metrics;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.server.http.ConnectionCounter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The server's metrics, in a Micrometer registry scraped as Prometheus text at {@code GET /metrics}.
 *
 * <p>Meters read the node's own counters when scraped, so the hot path pays nothing for them:
 * {@code herald_connections}, {@code herald_sessions}, {@code herald_subscriptions},
 * {@code herald_channels}, {@code herald_outbound_queue_bytes} (the node's incremental backlog count),
 * {@code herald_publications_total}, {@code herald_disconnects_total{reason}} ({@code client} when the
 * client went away), plus JVM memory, GC, thread and CPU meters. Thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Metrics".
 */
public final class HeraldMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * @param node        the node whose counts are exposed
     * @param connections the connection counter
     */
    public HeraldMetrics(Node node, ConnectionCounter connections) {
        Gauge.builder("herald.connections", connections, ConnectionCounter::open)
                .description("Open TCP connections").register(registry);
        Gauge.builder("herald.sessions", node, Node::sessionCount)
                .description("Live sessions (subscribing clients)").register(registry);
        Gauge.builder("herald.subscriptions", node, Node::subscriptionCount)
                .description("Subscriptions across sessions").register(registry);
        Gauge.builder("herald.channels", node, n -> n.hub().channelCount())
                .description("Channels with at least one subscriber on this node").register(registry);
        Gauge.builder("herald.outbound.queue", node, Node::backlogBytes).baseUnit("bytes")
                .description("Bytes of pushes waiting to be written to subscribers, across sessions").register(registry);
        FunctionCounter.builder("herald.publications", node, Node::publishedCount)
                .description("Publications stored").register(registry);
        for (Disconnect reason : Disconnect.values()) {
            FunctionCounter.builder("herald.disconnects", node, n -> n.disconnectCounts().get(reason))
                    .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Sessions ended, by reason").register(registry);
        }
        FunctionCounter.builder("herald.disconnects", node, n -> n.disconnectCounts().get(null))
                .tag("reason", "client").description("Sessions ended, by reason").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
