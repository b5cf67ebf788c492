package io.herald.server.config;

import io.herald.core.auth.AccessLevel;
import io.herald.redis.RedisBrokerConfig;
import io.herald.server.ListenAddress;
import io.herald.server.ServerConfig;
import io.herald.server.broker.BrokerConfig;
import io.herald.server.config.Setting.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Every setting of the server, in the order docs/configuration.md and {@code --print-config} show
 * them: the one table the configuration file, the environment, the command line, the docs test and
 * {@code herald.example.yml} are checked against. Per-namespace options are the keys
 * {@code namespaces.NAME.history-size}, {@code .history-age}, {@code .client-publish}, {@code .subscribe},
 * {@code .publish}, {@code .history}, {@code .presence}, {@code .join-leave}, {@code .conflation} and {@code .write-delay} ({@link #NAMESPACE_OPTIONS}); the lists of mappings
 * {@code auth.keys} and {@code api-keys} are {@link #LIST_SECTIONS}; the old names still read are
 * {@link #RENAMED}. Stateless and thread-safe.
 */
public final class Settings {
    /** The section of per-namespace options in the file. */
    public static final String NAMESPACES = "namespaces";

    /** The options one namespace may set, with their types; what it leaves out it takes from the defaults. */
    public static final Map<String, Type> NAMESPACE_OPTIONS = Map.of("history-size", Type.INT, "history-age", Type.DURATION,
            "client-publish", Type.BOOLEAN, "subscribe", Type.ACCESS, "publish", Type.ACCESS, "history", Type.ACCESS,
            "presence", Type.BOOLEAN, "join-leave", Type.BOOLEAN, "conflation", Type.BOOLEAN, "write-delay", Type.DURATION);

    /**
     * Old keys read as the new key they were renamed to, in the file and the environment (the flag
     * is a second name of the new one's option): {@code delivery.coalesce}, the node-wide
     * coalescing budget, is the default namespace's {@code write-delay} (docs/configuration.md,
     * "Write delay"). Giving both is an error.
     */
    public static final Map<String, String> RENAMED = Map.of("delivery.coalesce", "write-delay");

    /** The token verification keys: a list of mappings, each item with these fields (docs/configuration.md, "Access control"). */
    public static final String AUTH_KEYS = "auth.keys";
    /** The API keys: a list of mappings, each item with these fields. */
    public static final String API_KEYS = "api-keys";

    /** The lists of mappings of the file, by key, each with the fields an item may have, in documentation order. */
    public static final Map<String, Map<String, Type>> LIST_SECTIONS = Map.of(
            AUTH_KEYS, ordered("kid", Type.STRING, "alg", Type.STRING, "secret-file", Type.PATH, "secret-env", Type.STRING,
                    "public-key-file", Type.PATH),
            API_KEYS, ordered("name", Type.STRING, "key-file", Type.PATH, "key-env", Type.STRING, "scope", Type.STRING));

    /** Every setting but the namespaces, in documentation order. */
    public static final List<Setting> ALL = List.of(
            s("server.host", Type.STRING, "127.0.0.1", "--host", "host", (b, v) -> b.server.host((String) v)),
            s("server.port", Type.INT, 8080, "--port", "port", (b, v) -> b.server.port((Integer) v)),
            s("server.io-threads", Type.INT, 0, "--io-threads", "ioThreads", (b, v) -> b.server.ioThreads((Integer) v)),
            // the sockets' network transport (docs/configuration.md; issue 14's measurement in docs/benchmarks.md)
            s("server.io-transport", Type.STRING, "auto", "--io-transport", "ioTransport",
                    (b, v) -> b.server.ioTransport((String) v)),
            s("history.size", Type.INT, 1000, "--history-size", "historySize", (b, v) -> b.defaults.historySize((Integer) v)),
            s("history.age", Type.DURATION, Duration.ofMinutes(10), "--history-age", "historyAge",
                    (b, v) -> b.defaults.historyAge((Duration) v)),
            s("client-publish", Type.BOOLEAN, true, "--no-client-publish", "allowClientPublish",
                    (b, v) -> b.defaults.allowClientPublish((Boolean) v)),
            // Presence (docs/protocol.md, "Presence"): per namespace, off by default
            s("presence", Type.BOOLEAN, false, null, "presence", (b, v) -> b.defaults.presence((Boolean) v)),
            s("join-leave", Type.BOOLEAN, false, null, "joinLeave", (b, v) -> b.defaults.joinLeave((Boolean) v)),
            // Conflation for slow subscribers (docs/protocol.md, "Conflation"): per namespace, off by default
            s("conflation", Type.BOOLEAN, false, null, "conflation", (b, v) -> b.defaults.conflation((Boolean) v)),
            // The latency budget for batching (docs/protocol.md, "Write delay"): per namespace, 20 ms by default
            s("write-delay", Type.DURATION, Duration.ofMillis(20), "--write-delay", "writeDelay",
                    (b, v) -> b.defaults.writeDelay((Duration) v)),
            s("limits.max-payload", Type.INT, 64 * 1024, "--max-payload", "maxPayloadBytes",
                    (b, v) -> b.node.maxPayloadBytes((Integer) v)),
            s("limits.queue-max-bytes", Type.LONG, 1024L * 1024, "--queue-max-bytes", "queueMaxBytes",
                    (b, v) -> b.node.queueMaxBytes((Long) v)),
            s("limits.max-backlog", Type.LONG, 0L, "--max-backlog", "maxBacklog", (b, v) -> b.node.maxBacklog((Long) v)),
            s("limits.max-connections", Type.INT, 100_000, "--max-connections", "maxConnections",
                    (b, v) -> b.server.maxConnections((Integer) v)),
            // The edge: per-address limits, request deadlines, WebSocket rates (docs/protocol.md, "Limits")
            s("limits.trusted-proxies", Type.LIST, List.of(), null, "trustedProxies",
                    (b, v) -> b.server.trustedProxies(list(v))),
            s("limits.per-ip.connections", Type.INT, 256, null, "perIpConnections",
                    (b, v) -> b.server.perIpConnections((Integer) v)),
            s("limits.per-ip.connect-rate", Type.INT, 20, null, "perIpConnectRate",
                    (b, v) -> b.server.perIpConnectRate((Integer) v)),
            s("limits.per-ip.connect-burst", Type.INT, 50, null, "perIpConnectBurst",
                    (b, v) -> b.server.perIpConnectBurst((Integer) v)),
            s("limits.socket-send-buffer", Type.INT, 0, null, "socketSendBuffer", (b, v) -> b.server.socketSendBuffer((Integer) v)),
            s("limits.request-head-timeout", Type.DURATION, Duration.ofSeconds(10), null, "requestHeadTimeout",
                    (b, v) -> b.server.requestHeadTimeout((Duration) v)),
            s("limits.request-body-timeout", Type.DURATION, Duration.ofSeconds(30), null, "requestBodyTimeout",
                    (b, v) -> b.server.requestBodyTimeout((Duration) v)),
            s("limits.ws.command-rate", Type.INT, 100, null, "wsCommandRate", (b, v) -> b.server.wsCommandRate((Integer) v)),
            s("limits.ws.command-burst", Type.INT, 200, null, "wsCommandBurst", (b, v) -> b.server.wsCommandBurst((Integer) v)),
            s("limits.ws.publish-rate", Type.INT, 20, null, "wsPublishRate", (b, v) -> b.server.wsPublishRate((Integer) v)),
            s("limits.ws.publish-burst", Type.INT, 50, null, "wsPublishBurst", (b, v) -> b.server.wsPublishBurst((Integer) v)),
            s("cors.allowed-origins", Type.LIST, List.of(), null, "corsAllowedOrigins",
                    (b, v) -> b.server.corsAllowedOrigins(list(v))),
            s("delivery.reset-spread", Type.DURATION, Duration.ofSeconds(5), null, "resetSpread",
                    (b, v) -> b.node.resetSpread((Duration) v)),
            s("transports.heartbeat", Type.DURATION, Duration.ofSeconds(15), "--heartbeat", "heartbeat",
                    (b, v) -> b.server.heartbeat((Duration) v)),
            s("transports.sse-retry", Type.DURATION, Duration.ofSeconds(2), "--sse-retry", "sseRetry",
                    (b, v) -> b.server.sseRetry((Duration) v)),
            s("transports.longpoll-timeout", Type.DURATION, Duration.ofSeconds(25), "--longpoll-timeout", "longPollTimeout",
                    (b, v) -> b.server.longPollTimeout((Duration) v)),
            s("transports.longpoll-max-timeout", Type.DURATION, Duration.ofSeconds(120), null, "longPollMaxTimeout",
                    (b, v) -> b.server.longPollMaxTimeout((Duration) v)),
            s("transports.padding-bytes", Type.INT, 2048, null, "paddingBytes", (b, v) -> b.server.paddingBytes((Integer) v)),
            s("transports.write-stall-timeout", Type.DURATION, Duration.ofSeconds(30), null, "writeStallTimeout",
                    (b, v) -> b.server.writeStallTimeout((Duration) v)),
            s("shutdown.grace", Type.DURATION, Duration.ofSeconds(5), null, "shutdownGrace",
                    (b, v) -> b.server.shutdownGrace((Duration) v)),
            s("shutdown.drain", Type.DURATION, Duration.ofSeconds(5), null, "shutdownDrain",
                    (b, v) -> b.server.shutdownDrain((Duration) v)),
            s("shutdown.spread", Type.DURATION, Duration.ofSeconds(10), null, "shutdownSpread",
                    (b, v) -> b.server.shutdownSpread((Duration) v)),
            // The broker (docs/configuration.md, "Broker"; README, "Run several nodes")
            s("broker.type", Type.STRING, BrokerConfig.MEMORY, "--broker", "type", (b, v) -> b.broker.type((String) v)),
            s("broker.redis.addresses", Type.LIST, List.of(), "--redis-address", "redisAddresses",
                    (b, v) -> b.broker.redisAddresses(list(v))),
            s("broker.redis.prefix", Type.STRING, RedisBrokerConfig.DEFAULT_PREFIX, null, "redisPrefix",
                    (b, v) -> b.broker.redisPrefix((String) v)),
            s("broker.redis.timeout", Type.DURATION, RedisBrokerConfig.DEFAULT_TIMEOUT, null, "redisTimeout",
                    (b, v) -> b.broker.redisTimeout((Duration) v)),
            s("broker.redis.presence-ttl", Type.DURATION, RedisBrokerConfig.DEFAULT_PRESENCE_TTL, null, "redisPresenceTtl",
                    (b, v) -> b.broker.redisPresenceTtl((Duration) v)),
            s("demo", Type.BOOLEAN, false, "--demo", "demo", (b, v) -> b.server.demo((Boolean) v)),
            s("admin.disconnect-switch", Type.BOOLEAN, false, "--admin", "adminEnabled",
                    (b, v) -> b.server.adminEnabled((Boolean) v)),
            // The one default that differs from the Java API's (null, no listener): docs/configuration.md, "Admin listener".
            s("admin.listen", Type.LISTEN, new ListenAddress("127.0.0.1", 9090), "--admin-listen", "adminListen",
                    (b, v) -> b.server.adminListen((ListenAddress) v)),
            s("admin.metrics-on-public-port", Type.BOOLEAN, false, "--metrics-on-public-port", "metricsOnPublicPort",
                    (b, v) -> b.server.metricsOnPublicPort((Boolean) v)),
            s("logging.access-log", Type.BOOLEAN, true, null, "accessLog", (b, v) -> b.server.accessLog((Boolean) v)),
            s("logging.format", Type.STRING, "text", null, "logFormat", (b, v) -> b.server.logFormat((String) v)),
            // TLS and HTTP/2 (docs/protocol.md, "TLS and HTTP/2")
            s("tls.cert", Type.PATH, "", "--tls-cert", "tlsCert", (b, v) -> b.server.tlsCert(path(v))),
            s("tls.key", Type.PATH, "", "--tls-key", "tlsKey", (b, v) -> b.server.tlsKey(path(v))),
            s("http2", Type.BOOLEAN, true, null, "http2", (b, v) -> b.server.http2((Boolean) v)),
            s("h2c", Type.BOOLEAN, false, null, "h2c", (b, v) -> b.server.h2c((Boolean) v)),
            // The upstream suites' test services (docs/protocol.md, "Conformance services")
            s("conformance", Type.BOOLEAN, false, "--conformance", "conformance",
                    (b, v) -> b.server.conformance((Boolean) v)),
            // SockJS (docs/protocol.md, "SockJS"): where its iframe page loads sockjs-client from
            s("sockjs.client-url", Type.STRING, ServerConfig.SOCKJS_CLIENT_URL, null, "sockjsClientUrl",
                    (b, v) -> b.server.sockjsClientUrl((String) v)),
            // Access control (docs/security.md); on when auth.keys or auth.jwks-url is set. The keys
            // themselves are the list sections auth.keys and api-keys (LIST_SECTIONS).
            s("permissions.subscribe", Type.ACCESS, AccessLevel.GRANT, null, "subscribe",
                    (b, v) -> b.defaults.subscribe((AccessLevel) v)),
            s("permissions.publish", Type.ACCESS, AccessLevel.GRANT, null, "publish", (b, v) -> b.defaults.publish((AccessLevel) v)),
            s("permissions.history", Type.ACCESS, null, null, "history", (b, v) -> b.defaults.history((AccessLevel) v)),
            s("auth.jwks-url", Type.STRING, "", null, "jwksUrl", (b, v) -> b.auth.jwksUrl((String) v)),
            s("auth.jwks-algs", Type.LIST, List.of("RS256", "ES256", "EdDSA"), null, "jwksAlgs",
                    (b, v) -> b.auth.jwksAlgs(strings(v))),
            s("auth.audience", Type.STRING, "", null, "audience", (b, v) -> b.auth.audience((String) v)),
            s("auth.issuer", Type.STRING, "", null, "issuer", (b, v) -> b.auth.issuer((String) v)),
            s("auth.require-exp", Type.BOOLEAN, true, null, "requireExp", (b, v) -> b.auth.requireExp((Boolean) v)),
            s("auth.clock-skew", Type.DURATION, Duration.ofSeconds(30), null, "clockSkew",
                    (b, v) -> b.auth.clockSkew((Duration) v)),
            s("auth.expiry-grace", Type.DURATION, Duration.ofSeconds(25), null, "expiryGrace",
                    (b, v) -> b.auth.expiryGrace((Duration) v)),
            s("auth.timeout", Type.DURATION, Duration.ofSeconds(10), null, "timeout", (b, v) -> b.auth.timeout((Duration) v)),
            s("auth.query-tickets", Type.BOOLEAN, true, null, "queryTickets", (b, v) -> b.auth.queryTickets((Boolean) v)),
            s("auth.query-ticket-max-ttl", Type.DURATION, Duration.ofSeconds(120), null, "queryTicketMaxTtl",
                    (b, v) -> b.auth.queryTicketMaxTtl((Duration) v)),
            s("auth.cookie", Type.BOOLEAN, false, null, "cookie", (b, v) -> b.auth.cookie((Boolean) v)),
            s("auth.cookie-name", Type.STRING, "herald_token", null, "cookieName", (b, v) -> b.auth.cookieName((String) v)),
            s("auth.allow-empty-sub", Type.BOOLEAN, false, null, "allowEmptySub",
                    (b, v) -> b.auth.allowEmptySub((Boolean) v)));

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }

    /** A map of the pairs {@code k1, v1, k2, v2...} in that order. */
    private static Map<String, Type> ordered(Object... pairs) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Type) pairs[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private Settings() {
    }

    /** A {@link Type#LIST} value as the records hold it. */
    @SuppressWarnings("unchecked")
    private static List<String> list(Object value) {
        return (List<String>) value;
    }

    /** A {@link Type#PATH} value as the records hold it: null for none. */
    private static Path path(Object value) {
        String text = (String) value;
        return text.isEmpty() ? null : Path.of(text);
    }

    private static Setting s(String key, Type type, Object def, String flag, String field, BiConsumer<Builders, Object> apply) {
        return new Setting(key, type, def, flag, field, apply);
    }

    /** The setting with {@code key}, or null. */
    public static Setting byKey(String key) {
        for (Setting s : ALL) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** The setting a record component validation error names ({@code "historySize: -1 (...)"}), or null. */
    static Setting byField(String field) {
        for (Setting s : ALL) {
            if (field.equals(s.field())) {
                return s;
            }
        }
        return null;
    }
}
