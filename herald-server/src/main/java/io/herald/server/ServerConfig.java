package io.herald.server;

import static io.herald.server.ConfigRules.check;
import static io.herald.server.ConfigRules.notNegative;
import static io.herald.server.ConfigRules.positive;

import io.herald.core.NodeConfig;
import io.herald.server.auth.AuthConfig;
import io.herald.server.broker.BrokerConfig;
import io.herald.server.edge.AddressRanges;
import io.herald.server.edge.Origins;
import io.herald.server.net.IoTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of a {@link HeraldServer}. Immutable; build with {@link #builder()}.
 *
 * @param host                the address to bind, {@code 127.0.0.1} by default
 * @param port                the TCP port, 0 for any free port; 8080 by default
 * @param ioThreads           event-loop threads, 0 for one per core
 * @param node                the core's configuration (namespaces, history, payload and queue bounds)
 * @param sseRetry            the {@code retry:} the SSE stream advises, 2 s by default
 * @param heartbeat           the interval of comment / newline heartbeats on streaming transports and
 *                            of ping frames on WebSocket, 15 s by default
 * @param longPollTimeout     how long {@code /longpoll} holds a request without {@code timeout}, 25 s
 * @param longPollMaxTimeout  the largest {@code timeout} accepted, 120 s
 * @param paddingBytes        the prelude written first on XHR-streaming and iframe responses so that
 *                            browsers and proxies start delivering at once, 2 KiB by default
 * @param maxConnections      open connections accepted at most; further ones are answered 429 and closed
 * @param demo                whether the demo feeds (clock, ticker) run
 * @param adminEnabled        whether {@code POST /admin/disconnect} (a test switch that drops every
 *                            session so clients reconnect and resume) is routed, on the admin
 *                            listener (which it requires)
 * @param shutdownGrace       how long a graceful stop waits for connections to finish, 5 s
 * @param writeStallTimeout   how long a connection may stay unwritable (its client reads nothing)
 *                            before its session is cut as slow, 30 s
 * @param adminListen         where the admin listener binds ({@code /metrics}, {@code /health/live},
 *                            {@code /health/ready}, {@code /admin/...}), or null for none: the Java
 *                            API's default (an embedded server opens no second port unless asked);
 *                            the {@code herald} command's default is {@code 127.0.0.1:9090}
 * @param metricsOnPublicPort whether {@code GET /metrics} is also routed on the public port (a
 *                            single-port demo), false by default
 * @param shutdownDrain       how long {@link HeraldServer#drain()} keeps serving, not ready, before it
 *                            tells clients to reconnect (so load balancers notice first), 5 s; 0 allowed
 * @param shutdownSpread      how long {@link HeraldServer#drain()} spreads those reconnects over, with
 *                            jitter, 10 s; 0 tells every client at once
 * @param accessLog           whether each ended request, stream and WebSocket is logged on the
 *                            {@code herald.access} logger ({@link io.herald.server.http.AccessLog}), true by default
 * @param logFormat           {@code text} (the default) or {@code json}: the format of the {@code herald}
 *                            command's logs, which it applies to Logback at startup; a server embedded
 *                            in another application leaves that application's logging as it is
 * @param tlsCert             the certificate chain (PEM, the server's first) the port serves TLS with,
 *                            or null for plain HTTP; set together with {@code tlsKey}; re-read when
 *                            the file changes (docs/protocol.md, "TLS and HTTP/2")
 * @param tlsKey              the private key of {@code tlsCert} (PKCS#8 PEM, unencrypted), or null
 * @param http2               whether HTTP/2 is offered: by ALPN over TLS and, with {@code h2c}, in
 *                            cleartext; true by default (with neither it has no effect)
 * @param h2c                 whether a cleartext connection may start HTTP/2 with prior knowledge (RFC
 *                            9113, section 3.3), for use behind a TLS-terminating proxy; false by default
 * @param auth                access control: token keys, API keys, where tokens travel (docs/security.md);
 *                            {@link AuthConfig#OFF} for none
 * @param corsAllowedOrigins  the origins whose pages may use the server ({@code scheme://host[:port]},
 *                            a {@code *} only as the leftmost host label, or {@code null}); a request
 *                            or WebSocket upgrade from another origin gets 403 {@code origin_not_allowed}.
 *                            Empty (the default): any origin, answered {@code Access-Control-Allow-Origin: *}
 *                            (docs/protocol.md, "HTTP conventions")
 * @param trustedProxies      the proxies (CIDRs, e.g. {@code 10.0.0.0/8}, or single addresses) whose
 *                            {@code X-Forwarded-For} names the client; empty (the default): the socket
 *                            peer is the client (docs/protocol.md, "Limits")
 * @param perIpConnections    concurrent connections one client address may hold; more get 429
 *                            {@code too_many_requests}; 256 by default, 0 for no limit
 * @param perIpConnectRate    new connections per second one client address may open, on average; more
 *                            get 429; 20 by default, 0 for no limit
 * @param perIpConnectBurst   new connections one client address may open at once before
 *                            {@code perIpConnectRate} applies, 50 by default (at least 1)
 * @param requestHeadTimeout  how long a connection has to send a whole request head, from the accept
 *                            or from the end of the previous response; closed without an answer
 *                            after it (slowloris), 10 s by default
 * @param requestBodyTimeout  how long a request has to send its whole body once its head arrived;
 *                            answered 408 {@code request_timeout} and closed after it, 30 s by default
 * @param wsCommandRate       WebSocket protocol commands per second one socket (a SockJS session, a
 *                            Socket.IO socket's events) may send, on average;
 *                            more get {@code too_many_requests} replies, and a socket told three times
 *                            in 10 s is closed 4429; 100 by default, 0 for no limit
 * @param wsCommandBurst      commands one socket may send at once, 200 by default (at least 1)
 * @param wsPublishRate       publications per second one WebSocket may send (a {@code publish} command,
 *                            a Socket.IO {@code publish} event, or a message on raw {@code /ws/{channel}}),
 *                            on average; 20 by default,
 *                            0 for no limit
 * @param wsPublishBurst      publications one socket may send at once, 50 by default (at least 1)
 * @param broker              the broker channel streams live in: in memory (one node, the default) or
 *                            Redis, shared by several nodes ({@link BrokerConfig}); read by
 *                            {@link HeraldServer#create(ServerConfig)}
 * @param socketSendBuffer    the kernel send buffer of each client connection ({@code SO_SNDBUF}), bytes;
 *                            0 (the default) leaves it to the operating system's autotuning. A small one
 *                            keeps a slow client's backlog in its outbound queue, where conflation acts
 *                            and the queue bound counts it, instead of in the kernel (docs/protocol.md,
 *                            "Conflation")
 * @param conformance         whether the upstream conformance suites' test services are mounted beside
 *                            the normal endpoints (docs/protocol.md, "Conformance services" and "Socket.IO":
 *                            SockJS's services at the root, the Engine.IO echo server on {@code /engine.io/},
 *                            the suite's behaviours on {@code /socket.io/}); false by default, never in production
 * @param sockjsClientUrl     where the SockJS iframe page ({@code /sockjs/iframe.html}, docs/protocol.md "SockJS")
 *                            loads {@code sockjs-client} from: an {@code http}/{@code https} URL or a path
 *                            beginning with {@code /}, without spaces, quotes or angle brackets; by default
 *                            {@link #SOCKJS_CLIENT_URL}
 * @param ioTransport         the network transport of the server's sockets: {@code auto} (the default: the
 *                            first of {@link IoTransport#AUTO_ORDER} this machine offers), {@code io_uring},
 *                            {@code epoll} or {@code nio}; a named transport must be available here
 *                            (docs/configuration.md, "Configuration file")
 */
public record ServerConfig(String host, int port, int ioThreads, NodeConfig node, Duration sseRetry,
                           Duration heartbeat, Duration longPollTimeout, Duration longPollMaxTimeout,
                           int paddingBytes, int maxConnections, boolean demo, boolean adminEnabled,
                           Duration shutdownGrace, Duration writeStallTimeout, ListenAddress adminListen,
                           boolean metricsOnPublicPort, Duration shutdownDrain, Duration shutdownSpread,
                           boolean accessLog, String logFormat, Path tlsCert, Path tlsKey, boolean http2,
                           boolean h2c, AuthConfig auth, List<String> corsAllowedOrigins, List<String> trustedProxies,
                           int perIpConnections, int perIpConnectRate, int perIpConnectBurst,
                           Duration requestHeadTimeout, Duration requestBodyTimeout, int wsCommandRate,
                           int wsCommandBurst, int wsPublishRate, int wsPublishBurst, BrokerConfig broker,
                           int socketSendBuffer,
                           boolean conformance,
                           String sockjsClientUrl,
                           String ioTransport) {

    /**
     * The default of {@link #sockjsClientUrl()}: {@code sockjs-client} 1.6.1 from jsDelivr (the CDN
     * the reference server {@code sockjs-node} uses), pinned because the iframe page is cached a
     * year and {@code sockjs-client} needs the page's version to equal its own.
     */
    public static final String SOCKJS_CLIENT_URL = "https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js";

    /** The values of {@link #logFormat()}. */
    public static final List<String> LOG_FORMATS = List.of("text", "json");

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(node, "node");
        check("port", port, port >= 0 && port <= 65535, "0..65535");
        check("ioThreads", ioThreads, ioThreads >= 0, ">= 0");
        positive("sseRetry", sseRetry);
        positive("heartbeat", heartbeat);
        positive("longPollTimeout", longPollTimeout);
        positive("longPollMaxTimeout", longPollMaxTimeout);
        check("longPollTimeout", longPollTimeout, longPollTimeout.compareTo(longPollMaxTimeout) <= 0,
                "<= longPollMaxTimeout " + longPollMaxTimeout);
        check("paddingBytes", paddingBytes, paddingBytes >= 0 && paddingBytes <= 65536, "0..65536");
        check("maxConnections", maxConnections, maxConnections > 0, "> 0");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        positive("writeStallTimeout", writeStallTimeout);
        check("adminListen", adminListen, adminListen == null || adminListen.port() == 0 || adminListen.port() != port,
                "a port other than the public port " + port);
        check("adminEnabled", adminEnabled, !adminEnabled || adminListen != null,
                "false while adminListen is off: POST /admin/disconnect is served by the admin listener");
        notNegative("shutdownDrain", shutdownDrain);
        notNegative("shutdownSpread", shutdownSpread);
        Objects.requireNonNull(logFormat, "logFormat");
        check("logFormat", logFormat, LOG_FORMATS.contains(logFormat), String.join(" or ", LOG_FORMATS));
        check("tlsKey", tlsKey, tlsCert == null || tlsKey != null, "a PKCS#8 PEM file when tlsCert is set");
        check("tlsCert", tlsCert, tlsKey == null || tlsCert != null, "a PEM file when tlsKey is set");
        readable("tlsCert", tlsCert);
        readable("tlsKey", tlsKey);
        check("h2c", h2c, !h2c || http2, "false when http2 is false");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(broker, "broker");
        corsAllowedOrigins = List.copyOf(Objects.requireNonNull(corsAllowedOrigins, "corsAllowedOrigins"));
        trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
        valid("corsAllowedOrigins", corsAllowedOrigins, Origins::of);
        valid("trustedProxies", trustedProxies, AddressRanges::of);
        check("corsAllowedOrigins", corsAllowedOrigins, !auth.cookie() || !corsAllowedOrigins.isEmpty(),
                "at least one origin when auth.cookie is on: credentials are never allowed for every origin");
        check("perIpConnections", perIpConnections, perIpConnections >= 0, ">= 0; 0 for no limit");
        rate("perIpConnectRate", perIpConnectRate, "perIpConnectBurst", perIpConnectBurst);
        positive("requestHeadTimeout", requestHeadTimeout);
        positive("requestBodyTimeout", requestBodyTimeout);
        rate("wsCommandRate", wsCommandRate, "wsCommandBurst", wsCommandBurst);
        rate("wsPublishRate", wsPublishRate, "wsPublishBurst", wsPublishBurst);
        check("socketSendBuffer", socketSendBuffer, socketSendBuffer >= 0, ">= 0 bytes; 0 for the system's default");
        Objects.requireNonNull(sockjsClientUrl, "sockjsClientUrl");
        check("sockjsClientUrl", sockjsClientUrl, sockjsClientUrl.matches("(https?://|/)[^\\s\"'<>]+"),
                "an http(s) URL or a path beginning with /, without spaces, quotes or angle brackets");
        ioTransport(ioTransport);
    }

    /** {@code ioTransport} is a transport's word, and one this machine offers (auto always is). */
    private static void ioTransport(String word) {
        Objects.requireNonNull(word, "ioTransport");
        IoTransport transport;
        try {
            transport = IoTransport.of(word);
        } catch (IllegalArgumentException e) {
            check("ioTransport", word, false, IoTransport.words());
            return;
        }
        String unavailable = transport.unavailability();
        check("ioTransport", word, unavailable == null, "a transport available here, or auto; "
                + word + " is not: " + unavailable);
    }

    /** A token bucket's settings: a rate of 0 (no limit) or more, and a burst of at least 1. */
    private static void rate(String rateName, int rate, String burstName, int burst) {
        check(rateName, rate, rate >= 0, ">= 0 per second; 0 for no limit");
        check(burstName, burst, burst >= 1, ">= 1");
    }

    /** A list a parser must accept; its complaint is the expectation. */
    private static void valid(String name, List<String> value, java.util.function.Consumer<List<String>> parse) {
        try {
            parse.accept(value);
        } catch (IllegalArgumentException e) {
            check(name, value, false, e.getMessage());
        }
    }

    /** Whether the port speaks TLS ({@link #tlsCert()} and {@link #tlsKey()} are set). */
    public boolean tls() {
        return tlsCert != null;
    }

    /** A file the server reads at start: null, or a readable regular file; the message names the file. */
    private static void readable(String name, Path file) {
        if (file == null) {
            return;
        }
        String problem = !Files.exists(file) ? "no such file" : !Files.isRegularFile(file) ? "not a regular file"
                : !Files.isReadable(file) ? "not readable" : null;
        check(name, file, problem == null, "a readable file; " + problem);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ServerConfig}; not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private int ioThreads;
        private NodeConfig node = NodeConfig.builder().build();
        private Duration sseRetry = Duration.ofSeconds(2);
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration longPollTimeout = Duration.ofSeconds(25);
        private Duration longPollMaxTimeout = Duration.ofSeconds(120);
        private int paddingBytes = 2048;
        private int maxConnections = 100_000;
        private boolean demo;
        private boolean adminEnabled;
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private Duration writeStallTimeout = Duration.ofSeconds(30);
        private ListenAddress adminListen;
        private boolean metricsOnPublicPort;
        private Duration shutdownDrain = Duration.ofSeconds(5);
        private Duration shutdownSpread = Duration.ofSeconds(10);
        private boolean accessLog = true;
        private String logFormat = "text";
        private Path tlsCert;
        private Path tlsKey;
        private boolean http2 = true;
        private boolean h2c;
        private AuthConfig auth = AuthConfig.OFF;
        private BrokerConfig broker = BrokerConfig.IN_MEMORY;
        private List<String> corsAllowedOrigins = List.of();
        private List<String> trustedProxies = List.of();
        private int perIpConnections = 256;
        private int perIpConnectRate = 20;
        private int perIpConnectBurst = 50;
        private Duration requestHeadTimeout = Duration.ofSeconds(10);
        private Duration requestBodyTimeout = Duration.ofSeconds(30);
        private int wsCommandRate = 100;
        private int wsCommandBurst = 200;
        private int wsPublishRate = 20;
        private int wsPublishBurst = 50;
        private int socketSendBuffer = 0;
        private boolean conformance;
        private String sockjsClientUrl = SOCKJS_CLIENT_URL;
        private String ioTransport = "auto";

        /** Sets {@link ServerConfig#host()}; see there for units and bounds. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Sets {@link ServerConfig#port()}; see there for units and bounds. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Sets {@link ServerConfig#ioThreads()}; see there for units and bounds. */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Sets {@link ServerConfig#node()}; see there for units and bounds. */
        public Builder node(NodeConfig node) {
            this.node = node;
            return this;
        }

        /** Sets {@link ServerConfig#sseRetry()}; see there for units and bounds. */
        public Builder sseRetry(Duration sseRetry) {
            this.sseRetry = sseRetry;
            return this;
        }

        /** Sets {@link ServerConfig#heartbeat()}; see there for units and bounds. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
            return this;
        }

        /** Sets {@link ServerConfig#longPollTimeout()}; see there for units and bounds. */
        public Builder longPollTimeout(Duration longPollTimeout) {
            this.longPollTimeout = longPollTimeout;
            return this;
        }

        /** Sets {@link ServerConfig#longPollMaxTimeout()}; see there for units and bounds. */
        public Builder longPollMaxTimeout(Duration longPollMaxTimeout) {
            this.longPollMaxTimeout = longPollMaxTimeout;
            return this;
        }

        /** Sets {@link ServerConfig#paddingBytes()}; see there for units and bounds. */
        public Builder paddingBytes(int paddingBytes) {
            this.paddingBytes = paddingBytes;
            return this;
        }

        /** Sets {@link ServerConfig#maxConnections()}; see there for units and bounds. */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** Sets {@link ServerConfig#demo()}; see there for units and bounds. */
        public Builder demo(boolean demo) {
            this.demo = demo;
            return this;
        }

        /** Sets {@link ServerConfig#adminEnabled()}; see there for units and bounds. */
        public Builder adminEnabled(boolean adminEnabled) {
            this.adminEnabled = adminEnabled;
            return this;
        }

        /** Sets {@link ServerConfig#shutdownGrace()}; see there for units and bounds. */
        public Builder shutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        /** Sets {@link ServerConfig#writeStallTimeout()}; see there for units and bounds. */
        public Builder writeStallTimeout(Duration writeStallTimeout) {
            this.writeStallTimeout = writeStallTimeout;
            return this;
        }

        /** Sets {@link ServerConfig#adminListen()} (null: no admin listener); see there. */
        public Builder adminListen(ListenAddress adminListen) {
            this.adminListen = adminListen;
            return this;
        }

        /** Sets {@link ServerConfig#metricsOnPublicPort()}; see there. */
        public Builder metricsOnPublicPort(boolean metricsOnPublicPort) {
            this.metricsOnPublicPort = metricsOnPublicPort;
            return this;
        }

        /** Sets {@link ServerConfig#shutdownDrain()}; see there for units and bounds. */
        public Builder shutdownDrain(Duration shutdownDrain) {
            this.shutdownDrain = shutdownDrain;
            return this;
        }

        /** Sets {@link ServerConfig#shutdownSpread()}; see there for units and bounds. */
        public Builder shutdownSpread(Duration shutdownSpread) {
            this.shutdownSpread = shutdownSpread;
            return this;
        }

        /** Sets {@link ServerConfig#accessLog()}; see there. */
        public Builder accessLog(boolean accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        /** Sets {@link ServerConfig#logFormat()}: {@code text} or {@code json}; see there. */
        public Builder logFormat(String logFormat) {
            this.logFormat = logFormat;
            return this;
        }

        /** Sets {@link ServerConfig#tlsCert()}; see there for the format and rules. */
        public Builder tlsCert(Path tlsCert) {
            this.tlsCert = tlsCert;
            return this;
        }

        /** Sets {@link ServerConfig#tlsKey()}; see there for the format and rules. */
        public Builder tlsKey(Path tlsKey) {
            this.tlsKey = tlsKey;
            return this;
        }

        /** Sets {@link ServerConfig#http2()}; see there for what it changes. */
        public Builder http2(boolean http2) {
            this.http2 = http2;
            return this;
        }

        /** Sets {@link ServerConfig#auth()}: access control, off by default ({@link AuthConfig#OFF}). */
        public Builder auth(AuthConfig auth) {
            this.auth = auth;
            return this;
        }

        /** Sets {@link ServerConfig#broker()}: the in-memory broker by default ({@link BrokerConfig#IN_MEMORY}). */
        public Builder broker(BrokerConfig broker) {
            this.broker = broker;
            return this;
        }

        /** Sets {@link ServerConfig#h2c()}; see there for what it changes. */
        public Builder h2c(boolean h2c) {
            this.h2c = h2c;
            return this;
        }

        /** Sets {@link ServerConfig#corsAllowedOrigins()}; see there for the forms accepted. */
        public Builder corsAllowedOrigins(List<String> corsAllowedOrigins) {
            this.corsAllowedOrigins = corsAllowedOrigins;
            return this;
        }

        /** Sets {@link ServerConfig#trustedProxies()}; see there for the forms accepted. */
        public Builder trustedProxies(List<String> trustedProxies) {
            this.trustedProxies = trustedProxies;
            return this;
        }

        /** Sets {@link ServerConfig#perIpConnections()}; see there for units and bounds. */
        public Builder perIpConnections(int perIpConnections) {
            this.perIpConnections = perIpConnections;
            return this;
        }

        /** Sets {@link ServerConfig#perIpConnectRate()}; see there for units and bounds. */
        public Builder perIpConnectRate(int perIpConnectRate) {
            this.perIpConnectRate = perIpConnectRate;
            return this;
        }

        /** Sets {@link ServerConfig#perIpConnectBurst()}; see there for units and bounds. */
        public Builder perIpConnectBurst(int perIpConnectBurst) {
            this.perIpConnectBurst = perIpConnectBurst;
            return this;
        }

        /** Sets {@link ServerConfig#requestHeadTimeout()}; see there for units and bounds. */
        public Builder requestHeadTimeout(Duration requestHeadTimeout) {
            this.requestHeadTimeout = requestHeadTimeout;
            return this;
        }

        /** Sets {@link ServerConfig#requestBodyTimeout()}; see there for units and bounds. */
        public Builder requestBodyTimeout(Duration requestBodyTimeout) {
            this.requestBodyTimeout = requestBodyTimeout;
            return this;
        }

        /** Sets {@link ServerConfig#wsCommandRate()}; see there for units and bounds. */
        public Builder wsCommandRate(int wsCommandRate) {
            this.wsCommandRate = wsCommandRate;
            return this;
        }

        /** Sets {@link ServerConfig#wsCommandBurst()}; see there for units and bounds. */
        public Builder wsCommandBurst(int wsCommandBurst) {
            this.wsCommandBurst = wsCommandBurst;
            return this;
        }

        /** Sets {@link ServerConfig#wsPublishRate()}; see there for units and bounds. */
        public Builder wsPublishRate(int wsPublishRate) {
            this.wsPublishRate = wsPublishRate;
            return this;
        }

        /** Sets {@link ServerConfig#wsPublishBurst()}; see there for units and bounds. */
        public Builder wsPublishBurst(int wsPublishBurst) {
            this.wsPublishBurst = wsPublishBurst;
            return this;
        }

        /** Sets {@link ServerConfig#socketSendBuffer()}; see there for units and bounds. */
        public Builder socketSendBuffer(int socketSendBuffer) {
            this.socketSendBuffer = socketSendBuffer;
            return this;
        }

        /** Sets {@link ServerConfig#conformance()}: the conformance suites' test services; see there. */
        public Builder conformance(boolean conformance) {
            this.conformance = conformance;
            return this;
        }

        /** Sets {@link ServerConfig#sockjsClientUrl()}: where the SockJS iframe page loads sockjs-client; see there. */
        public Builder sockjsClientUrl(String sockjsClientUrl) {
            this.sockjsClientUrl = sockjsClientUrl;
            return this;
        }

        /** Sets {@link ServerConfig#ioTransport()}: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}; see there. */
        public Builder ioTransport(String ioTransport) {
            this.ioTransport = ioTransport;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public ServerConfig build() {
            return new ServerConfig(host, port, ioThreads, node, sseRetry, heartbeat, longPollTimeout,
                    longPollMaxTimeout, paddingBytes, maxConnections, demo, adminEnabled, shutdownGrace,
                    writeStallTimeout, adminListen, metricsOnPublicPort, shutdownDrain, shutdownSpread,
                    accessLog, logFormat, tlsCert, tlsKey, http2, h2c, auth, corsAllowedOrigins, trustedProxies,
                    perIpConnections, perIpConnectRate, perIpConnectBurst, requestHeadTimeout, requestBodyTimeout,
                    wsCommandRate, wsCommandBurst, wsPublishRate, wsPublishBurst, broker, socketSendBuffer,
                    conformance, sockjsClientUrl, ioTransport);
        }
    }
}
