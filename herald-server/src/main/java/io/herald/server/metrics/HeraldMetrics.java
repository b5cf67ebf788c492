package io.herald.server.metrics;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.core.hub.TransportStats;
import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.ResponseCounter;
import io.herald.redis.RedisBrokerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.ToDoubleFunction;

/**
 * The server's metrics, in a Micrometer registry scraped as Prometheus text at {@code GET /metrics}
 * (on the admin listener).
 *
 * <p>Meters read counters the server keeps as it runs, so a scrape never walks the sessions and
 * the hot path pays at most a counter increment per drain: {@code herald_connections},
 * {@code herald_sessions}, {@code herald_subscriptions}, {@code herald_channels},
 * {@code herald_outbound_queue_bytes} (the node's incremental backlog count),
 * {@code herald_publications_total}, {@code herald_disconnects_total{reason}} ({@code client} when
 * the client went away); by transport ({@link TransportStats}) {@code herald_transport_sessions},
 * {@code herald_transport_subscriptions}, {@code herald_deliveries_total}, {@code herald_conflated_total}; the bytes written to
 * connections ({@code herald_sent_bytes_total}, {@link ConnectionCounter}); responses by status
 * ({@code herald_http_responses_total{status}}, {@link ResponseCounter}); the publish latency of
 * {@code POST /pub} as a histogram ({@code herald_publish_latency_seconds}, {@link #publishLatency()});
 * plus JVM memory, GC, thread and CPU meters. Thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Metrics".
 */
public final class HeraldMetrics implements AutoCloseable {
    /**
     * The server's network transports, whose meters exist from the start (at 0) so that dashboards
     * and alerts see every series; another transport's (an in-process subscriber's, {@code local})
     * appear when it is first used. Each is a {@code Transport.name()} of the server's transports.
     */
    public static final List<String> TRANSPORTS = List.of("websocket", "sse", "xhr-streaming", "iframe", "long-polling",
            "sockjs", "socket.io");

    /** The upper bounds of the publish latency histogram's buckets. */
    static final Duration[] PUBLISH_LATENCY_BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer publishLatency;

    /**
     * @param node        the node whose counts are exposed
     * @param connections the public listener's connection counter
     * @param responses   the public listener's response counter
     */
    public HeraldMetrics(Node node, ConnectionCounter connections, ResponseCounter responses) {
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
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .description("Sessions ended, by reason").register(registry);
        }
        FunctionCounter.builder("herald.disconnects", node, n -> n.disconnectCounts().get(null))
                .tag("reason", "client").description("Sessions ended, by reason").register(registry);
        node.transportStats().onNew(this::registerTransport);
        TRANSPORTS.forEach(node.transportStats()::of);
        FunctionCounter.builder("herald.sent", connections, ConnectionCounter::sentBytes).baseUnit("bytes")
                .description("Bytes written to connections of the public port").register(registry);
        responses.onNew(status -> FunctionCounter.builder("herald.http.responses", responses, r -> r.count(status))
                .tag("status", Integer.toString(status))
                .description("HTTP responses of the public port, by status").register(registry));
        publishLatency = Timer.builder("herald.publish.latency")
                .description("POST /pub: from the request to its publication stored")
                .serviceLevelObjectives(PUBLISH_LATENCY_BUCKETS)
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * Adds the Redis broker's counters (docs/protocol.md, "Metrics"): {@code herald_redis_reconnects_total},
     * {@code herald_redis_catch_ups_total}, {@code herald_redis_resets_total},
     * {@code herald_redis_overflows_total}, {@code herald_redis_probe_restarts_total},
     * {@code herald_redis_top_checks_total}, {@code herald_redis_history_reads_total}. Called once, by
     * a server on the Redis broker.
     */
    public void bindRedis(RedisBrokerStats stats) {
        redisCounter("reconnects", stats, RedisBrokerStats::reconnects, "Redis pub/sub connections re-established");
        redisCounter("catch.ups", stats, RedisBrokerStats::catchUps, "Catch-ups from Redis history (offset jump, overflow, reconnect, top check)");
        redisCounter("resets", stats, RedisBrokerStats::resets, "Losses Redis history could not fill, passed on as resets");
        redisCounter("overflows", stats, RedisBrokerStats::overflows, "Pub/sub messages that found their processor queue full");
        redisCounter("probe.restarts", stats, RedisBrokerStats::probeRestarts, "Pub/sub connections restarted by the probe");
        redisCounter("top.checks", stats, RedisBrokerStats::topChecks, "Channel tops read by the check of idle channels");
        redisCounter("history.reads", stats, RedisBrokerStats::historyReads,
                "History scripts run (identical reads in flight share one run)");
    }

    private void redisCounter(String name, RedisBrokerStats stats, ToDoubleFunction<RedisBrokerStats> count,
                              String description) {
        FunctionCounter.builder("herald.redis." + name, stats, count).description(description).register(registry);
    }

    private void registerTransport(TransportStats.Counts counts) {
        String transport = counts.transport();
        Gauge.builder("herald.transport.sessions", counts, TransportStats.Counts::sessions).tag("transport", transport)
                .description("Live sessions by transport (on the network transports, one connection each)").register(registry);
        Gauge.builder("herald.transport.subscriptions", counts, TransportStats.Counts::subscriptions).tag("transport", transport)
                .description("Subscriptions by transport").register(registry);
        FunctionCounter.builder("herald.deliveries", counts, TransportStats.Counts::deliveries).tag("transport", transport)
                .description("Publications written to subscribers, by transport").register(registry);
        FunctionCounter.builder("herald.conflated", counts, TransportStats.Counts::conflated).tag("transport", transport)
                .description("Publications skipped by conflation in slow subscribers' queues, by transport").register(registry);
    }

    /**
     * Records one publish latency, in nanoseconds: what {@code POST /pub} took from its request to
     * its publication stored. Cheap and thread-safe.
     */
    public LongConsumer publishLatency() {
        return nanos -> publishLatency.record(nanos, TimeUnit.NANOSECONDS);
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
