package io.herald.server;

import io.herald.core.Node;
import io.herald.server.api.HistoryRoute;
import io.herald.server.api.PublishRoute;
import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.Router;
import io.herald.server.http.Router.ChannelSegment;
import io.herald.server.iframe.IframeRoute;
import io.herald.server.polling.LongPollRoute;
import io.herald.server.sse.SseRoute;
import io.herald.server.xhr.XhrStreamRoute;
import io.netty.handler.codec.http.HttpMethod;

/** The route table of the wire contract, in one place. */
final class Routes {
    private Routes() {
    }

    static void install(Router router, Node node, ServerConfig config, ConnectionCounter connections) {
        HistoryRoute history = new HistoryRoute(node);
        router.route(HttpMethod.POST, "pub", ChannelSegment.REQUIRED, new PublishRoute(node))
                .route(HttpMethod.GET, "history", ChannelSegment.REQUIRED, history)
                .route(HttpMethod.GET, "poll", ChannelSegment.REQUIRED, history)
                .route(HttpMethod.GET, "sse", ChannelSegment.REQUIRED, new SseRoute(node, config));
        router.route(HttpMethod.GET, "longpoll", ChannelSegment.REQUIRED, new LongPollRoute(node, config));
        router.route(HttpMethod.GET, "stream", ChannelSegment.REQUIRED, new XhrStreamRoute(node, config));
        router.route(HttpMethod.GET, "iframe", ChannelSegment.REQUIRED, new IframeRoute(node, config));
    }
}
