package io.herald.server;

import io.herald.core.Node;
import io.herald.core.auth.Action;
import io.herald.server.api.AdminRoute;
import io.herald.server.api.HistoryRoute;
import io.herald.server.api.PresenceRoute;
import io.herald.server.api.PublishRoute;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.HttpAccess;
import io.herald.server.auth.RequestCredentials.Use;
import io.herald.server.health.HealthRoute;
import io.herald.server.health.Readiness;
import io.herald.server.http.Router;
import io.herald.server.http.Router.ChannelSegment;
import io.herald.server.iframe.IframeRoute;
import io.herald.server.metrics.HeraldMetrics;
import io.herald.server.metrics.MetricsRoute;
import io.herald.server.polling.LongPollRoute;
import io.herald.server.socketio.SocketIo;
import io.herald.server.sse.SseRoute;
import io.herald.server.web.StaticRoute;
import io.herald.server.sockjs.SockJsRoute;
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

    /**
     * The public port: publishing, history, every transport, the static files; {@code /metrics} only
     * when configured. Every read, {@code POST /pub} and {@code /metrics} go through {@code access}
     * (docs/protocol.md, "Access control"); the WebSocket routes check their own
     * credentials with {@code credentials} (the connect command, the token subprotocol).
     */
    static void install(Router router, Node node, ServerConfig config, HeraldMetrics metrics, HttpAccess access,
                        Credentials credentials) {
        router.route(HttpMethod.POST, "pub", ChannelSegment.REQUIRED,
                        access.publish(new PublishRoute(node, metrics.publishLatency())))
                .route(HttpMethod.GET, "history", ChannelSegment.REQUIRED,
                        access.read(Use.READ, Action.HISTORY, new HistoryRoute(node, Action.HISTORY)))
                .route(HttpMethod.GET, "presence", ChannelSegment.REQUIRED,
                        access.read(Use.READ, Action.HISTORY, new PresenceRoute(node)))
                .route(HttpMethod.GET, "poll", ChannelSegment.REQUIRED_OR_PARAMETERS,
                        access.read(Use.READ, Action.SUBSCRIBE, new HistoryRoute(node, Action.SUBSCRIBE)))
                .route(HttpMethod.GET, "longpoll", ChannelSegment.REQUIRED_OR_PARAMETERS,
                        access.read(Use.READ, Action.SUBSCRIBE, new LongPollRoute(node, config)))
                .route(HttpMethod.GET, "sse", ChannelSegment.REQUIRED_OR_PARAMETERS,
                        access.read(Use.READ_WITH_TICKET, Action.SUBSCRIBE, new SseRoute(node, config)))
                .route(HttpMethod.GET, "stream", ChannelSegment.REQUIRED_OR_PARAMETERS,
                        access.read(Use.READ, Action.SUBSCRIBE, new XhrStreamRoute(node, config)))
                .route(HttpMethod.GET, "iframe", ChannelSegment.REQUIRED_OR_PARAMETERS,
                        access.read(Use.READ_WITH_TICKET, Action.SUBSCRIBE, new IframeRoute(node, config)))
                .route(HttpMethod.GET, "ws", ChannelSegment.OPTIONAL, new WebSocketRoute(node, config, credentials));
        SocketIo.install(router, node, config, credentials); // /socket.io/ (and /engine.io/ with conformance)
        // SockJS on /sockjs, and with conformance on the suite's services at the root (docs/protocol.md, "SockJS")
        SockJsRoute.install(router, node, config, credentials);
        StaticRoute files = new StaticRoute();
        router.route(HttpMethod.GET, "", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.js", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.min.js", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.mjs", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald.d.ts", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "herald-worker.js", ChannelSegment.NONE, files)
                .route(HttpMethod.GET, "demo", ChannelSegment.REQUIRED, files);
        if (config.metricsOnPublicPort()) {
            router.route(HttpMethod.GET, "metrics", ChannelSegment.NONE, access.admin(new MetricsRoute(metrics)));
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
