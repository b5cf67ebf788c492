package io.herald.server.edge;

import io.herald.server.ServerConfig;
import java.time.Duration;
import java.util.List;

/**
 * What protects a listener before any token is looked at (docs/protocol.md, "HTTP conventions" and
 * "Limits"): the origin allow-list and its CORS answers, the trusted proxies, the per-address
 * connection limits, and the request head and body deadlines. One per listener, shared by its
 * connections; it makes their {@link ConnectionGuard} and {@link RequestGuard}s. Immutable apart
 * from {@link PerIpLimits}' own state; thread-safe.
 */
public final class Edge {
    /** Client addresses tracked at most by the per-address limits ({@link PerIpLimits}). */
    public static final int MAX_TRACKED_ADDRESSES = 65_536;

    final Origins origins;
    final boolean credentials;
    final String scheme;
    final AddressRanges trustedProxies;
    final PerIpLimits perIp;
    final long headTimeoutNanos;
    final long bodyTimeoutNanos;
    /** The iframe's {@code Content-Security-Policy}. */
    final String frameAncestors;

    private Edge(Origins origins, boolean credentials, boolean tls, AddressRanges trustedProxies, PerIpLimits perIp,
                 Duration headTimeout, Duration bodyTimeout) {
        if (credentials && origins.isEmpty()) {
            throw new IllegalArgumentException("corsAllowedOrigins: [] (expected: at least one origin when cookie"
                    + " authentication is on; credentials are never allowed for every origin)");
        }
        this.origins = origins;
        this.credentials = credentials;
        this.scheme = tls ? "https" : "http";
        this.trustedProxies = trustedProxies;
        this.perIp = perIp;
        this.headTimeoutNanos = headTimeout.toNanos();
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
        this.frameAncestors = origins.isEmpty() ? "frame-ancestors *"
                : "frame-ancestors 'self'" + (origins.sources().isEmpty() ? "" : " " + String.join(" ", origins.sources()));
    }

    /**
     * The public port's edge.
     *
     * @param config      the server configuration ({@code corsAllowedOrigins}, {@code trustedProxies},
     *                    the {@code perIp*} limits, the request deadlines, {@code tls()})
     * @param credentials whether cookie authentication is on: allowed origins are then answered
     *                    {@code Access-Control-Allow-Credentials: true} (never with {@code *})
     * @throws IllegalArgumentException when {@code credentials} is on with an empty allow-list
     */
    public static Edge of(ServerConfig config, boolean credentials) {
        return new Edge(Origins.of(config.corsAllowedOrigins()), credentials, config.tls(),
                AddressRanges.of(config.trustedProxies()),
                new PerIpLimits(config.perIpConnections(), config.perIpConnectRate(), config.perIpConnectBurst(),
                        MAX_TRACKED_ADDRESSES),
                config.requestHeadTimeout(), config.requestBodyTimeout());
    }

    /**
     * The admin listener's edge: the same deadlines and proxies, no allow-list ({@code *}, as
     * today) and no per-address limits (operators' tools, bound to a private address).
     */
    public static Edge admin(ServerConfig config) {
        return new Edge(Origins.of(List.of()), false, false, AddressRanges.of(config.trustedProxies()),
                new PerIpLimits(0, 0, 1, 1), config.requestHeadTimeout(), config.requestBodyTimeout());
    }

    /** A new connection's guard (one per connection, next to the socket). */
    public ConnectionGuard newConnectionGuard() {
        return new ConnectionGuard(this);
    }

    /** A new request guard (one per HTTP/1.1 connection or HTTP/2 stream, after the HTTP codec). */
    public RequestGuard newRequestGuard() {
        return new RequestGuard(this);
    }

    /** The per-address limits (for tests and metrics). */
    public PerIpLimits perIp() {
        return perIp;
    }
}
