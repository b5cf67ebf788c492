package io.herald.server;

import io.herald.core.Node;
import io.herald.server.auth.Credentials;
import io.herald.server.api.AdminRoute;
import io.herald.server.api.HistoryRoute;
import io.herald.server.api.PublishRoute;
import io.herald.server.health.HealthRoute;
import io.herald.server.health.Readiness;
import io.herald.server.http.Router;
import io.herald.server.http.Router.ChannelSegment;
import io.herald.server.iframe.IframeRoute;
import io.herald.server.metrics.HeraldMetrics;
import io.herald.server.metrics.MetricsRoute;
import io.herald.server.polling.LongPollRoute;
import io.herald.server.sse.SseRoute;
import io.herald.server.web.StaticRoute;
import io.herald.server.websocket.WebSocketRoute;
import io.herald.server.xhr.XhrStreamRoute;
import io.netty.handler.codec.http.HttpMethod;

/**
 * The route tables of the wire contract in one place: the public port's (docs/protocol.md,
 * "Endpoints") and the admin listener's ("Admin listener").
 */
final class Routes {
    private Routes() {
    }

    /** The public port: publishing, history, every transport, the static files; {@code /metrics} only when configured. */
    static void install(Router router, Node node, ServerConfig config, HeraldMetrics metrics, Credentials credentials) {
        HistoryRoute history = new HistoryRoute(node);
        router.route(HttpMethod.POST, "pub", ChannelSegment.REQUIRED, new PublishRoute(node, metrics.publishLatency()))
                .route(HttpMethod.GET, "history", ChannelSegment.REQUIRED, history)
                .route(HttpMethod.GET, "poll", ChannelSegment.REQUIRED, history)
                .route(HttpMethod.GET, "longpoll", ChannelSegment.REQUIRED, new LongPollRoute(node, config))
                .route(HttpMethod.GET, "sse", ChannelSegment.REQUIRED, new SseRoute(node, config))
                .route(HttpMethod.GET, "stream", ChannelSegment.REQUIRED, new XhrStreamRoute(node, config))
                .route(HttpMethod.GET, "iframe", ChannelSegment.REQUIRED, new IframeRoute(node, config))
                .route(HttpMethod.GET, "ws", ChannelSegment.OPTIONAL, new WebSocketRoute(node, config, credentials));
        StaticRoute files = new StaticRoute();
        router.route(HttpMethod.GET, "", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.js", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.min.js", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.mjs", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.d.ts", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "demo", ChannelSegment.REQUIRED, files);
        if (config.metricsOnPublicPort()) {
            router.route(HttpMethod.GET, "metrics", ChannelSegment.NONE, new MetricsRoute(metrics));
        }
    }

    /** The admin listener: metrics, health checks, and the disconnect switch when enabled. */
    static void installAdmin(Router router, Node node, ServerConfig config, HeraldMetrics metrics, Readiness readiness) {
        router.route(HttpMethod.GET, "metrics", ChannelSegment.NONE, new MetricsRoute(metrics))
                .route(HttpMethod.GET, "health", ChannelSegment.REQUIRED, new HealthRoute(readiness));
        if (config.adminEnabled()) {
            router.route(HttpMethod.POST, "admin", ChannelSegment.REQUIRED, new AdminRoute(node));
        }
    }
}
