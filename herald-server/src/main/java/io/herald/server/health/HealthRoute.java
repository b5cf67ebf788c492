package io.herald.server.health;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Json;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * {@code GET /health/live} and {@code GET /health/ready} on the admin listener:
 * <ul>
 *   <li>live: {@code 200 {"live":true}} whenever the server answers at all (a process whose event
 *       loops are stuck does not answer);</li>
 *   <li>ready: {@code 200 {"ready":true}}, or {@code 503 {"ready":false,"reasons":[...]}} with
 *       {@code "broker":"..."} added when the broker is down ({@link Readiness}).</li>
 * </ul>
 * Another name is {@code 404 not_found}. The answer to ready waits for the broker (at most
 * {@link Readiness#BROKER_TIMEOUT}) without blocking the event loop. Stateless; thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Health".
 */
public final class HealthRoute implements Route {
    private static final byte[] LIVE = "{\"live\":true}".getBytes(StandardCharsets.US_ASCII);

    private final Readiness readiness;

    public HealthRoute(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        switch (target.channel()) {
            case "live" -> HttpResponses.json(ctx, keepAlive, LIVE);
            case "ready" -> readiness.check().whenComplete((report, error) -> {
                if (error != null) {
                    HttpResponses.error(ctx, keepAlive, error, "GET " + target.path());
                } else {
                    HttpResponses.send(ctx, keepAlive,
                            report.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            HttpResponses.JSON, Unpooled.wrappedBuffer(body(report)));
                }
            });
            default -> throw new HeraldException(ErrorCode.NOT_FOUND, "no health check " + Names.quote(target.channel())
                    + " (expected: live or ready)");
        }
    }

    /** {@code {"ready":true}} or {@code {"ready":false,"reasons":["draining"],"broker":"..."}}. */
    static byte[] body(Readiness.Report report) {
        if (report.ready()) {
            return "{\"ready\":true}".getBytes(StandardCharsets.US_ASCII);
        }
        String reasons = report.reasons().stream().map(Json::quote).collect(Collectors.joining(","));
        return ("{\"ready\":false,\"reasons\":[" + reasons + "]"
                + (report.broker() == null ? "" : ",\"broker\":" + Json.quote(report.broker())) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
