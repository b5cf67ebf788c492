package io.herald.server;

import io.herald.core.Disconnect;
import io.herald.core.LocalSubscriber;
import io.herald.core.Node;
import io.herald.core.auth.Authorizer;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.HttpAccess;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.SubscriptionListener;
import io.herald.core.broker.Broker;
import io.herald.core.broker.MemoryBroker;
import io.herald.core.hub.Session;
import io.herald.server.demo.DemoFeeds;
import io.herald.redis.RedisBroker;
import io.herald.server.broker.Brokers;
import io.herald.server.health.Readiness;
import io.herald.server.edge.Edge;
import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.HttpInitializer;
import io.herald.server.http.ResponseCounter;
import io.herald.server.http.Router;
import io.herald.server.metrics.HeraldMetrics;
import io.herald.server.net.IoTransport;
import io.herald.server.socketio.SocketIo;
import io.herald.server.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Herald server: a {@link Node} served over HTTP and WebSocket by Netty.
 *
 * <pre>{@code
 * try (HeraldServer server = HeraldServer.create(cfg -> cfg.port(0)).start()) {
 *     server.publish("demo", null, Payload.text("hello"));
 *     int port = server.port();
 * }
 * }</pre>
 *
 * <p>Uses epoll where available, else NIO; no thread per connection. With {@code demo} configured,
 * {@link #start()} also starts the {@link DemoFeeds} (clock and ticker) and {@link #close()} stops them.
 * With {@code adminListen} configured, a second listener serves operators: {@code /metrics},
 * {@code /health/live}, {@code /health/ready} and {@code /admin/...} (docs/protocol.md, "Admin
 * listener"); the public port serves neither {@code /admin} nor, unless {@code metricsOnPublicPort},
 * {@code /metrics}.
 *
 * <p>Two ways to stop, both graceful (docs/protocol.md, "Drain"): {@link #close()} at once (it stops
 * accepting, tells every session to reconnect with {@code 1001 shutdown}, waits up to the grace for
 * connections to end, then stops the event loops), and {@link #drain()} for a rolling deploy (not
 * ready at once, serving on for {@code shutdownDrain}, then the sessions told to reconnect spread
 * over {@code shutdownSpread}, then {@link #close()}). Thread-safe.
 */
public final class HeraldServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeraldServer.class);

    /**
     * A connection stops taking pushes from its session above this many bytes pending in Netty (each
     * pending write also counts Netty's 96-byte entry overhead, so this bounds heap, not only bytes)
     * and takes them again below {@link #WRITE_LOW_WATER}. Small, because a stalled client's backlog
     * is cheaper in its session's queue (a few dozen bytes a push) than in Netty's buffer, and because
     * ten thousand stalled connections multiply it; the kernel's socket buffer is in front of it.
     */
    static final int WRITE_HIGH_WATER = 16 * 1024;
    static final int WRITE_LOW_WATER = 4 * 1024;
    /** The largest request body the admin listener reads (its requests have none). */
    static final int ADMIN_MAX_BODY = 4096;
    /** Connections the admin listener accepts at once (scrapers and health checkers are few). */
    static final int ADMIN_MAX_CONNECTIONS = 1024;

    private final ServerConfig config;
    private final Node node;
    private final ConnectionCounter connections = new ConnectionCounter();
    private final ResponseCounter responses = new ResponseCounter();
    private final Router router;
    private final HeraldMetrics metrics;
    private final Readiness readiness;
    private final ConnectionCounter adminConnections = new ConnectionCounter();
    /** The public port's origin check, CORS, per-address limits and request deadlines. */
    private final Edge edge;
    /** The admin listener's routes, or null without one. */
    private final Router adminRouter;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private IoTransport transport;
    private Channel serverChannel;
    private Channel adminChannel;
    private DemoFeeds demoFeeds;
    /** Guards starting a drain and closing. */
    private final Object lifecycle = new Object();
    private ServerTls tls;
    /** The token and API keys the server accepts (docs/security.md). */
    private final Credentials credentials;
    private volatile boolean closed;
    /** Completes once a drain's close is done; null before {@link #drain()}. Guarded by {@link #lifecycle}. */
    private CompletableFuture<Void> drained;
    /** Counted down by {@link #close()}: a drain waiting for its next step stops waiting. */
    private final CountDownLatch closing = new CountDownLatch(1);

    private HeraldServer(ServerConfig config, Broker broker) {
        this.config = config;
        // Reads every token and API key now: a bad one stops the start before anything listens.
        this.credentials = Credentials.load(config.auth(), System.getenv());
        this.node = new Node(config.node(), broker, config.auth().enabled() ? Authorizer.ENFORCING : Authorizer.OPEN);
        this.router = new Router(connections, config.maxConnections());
        // Credentials (cookie authentication) off: no Access-Control-Allow-Credentials.
        this.edge = Edge.of(config, config.auth().cookie());
        this.metrics = new HeraldMetrics(node, connections, responses);
        if (broker instanceof RedisBroker redis) {
            metrics.bindRedis(redis.stats());
        }
        this.readiness = new Readiness(node);
        Routes.install(router, node, config, metrics, new HttpAccess(node, credentials, config.auth()), credentials);
        if (config.adminListen() != null) {
            adminRouter = new Router(adminConnections, ADMIN_MAX_CONNECTIONS,
                    "the admin listener serves /metrics, /health/live, /health/ready, /admin/...");
            Routes.installAdmin(adminRouter, node, config, metrics, readiness);
        } else {
            adminRouter = null;
        }
    }

    /** Whether {@code host} names only this machine (a loopback address or {@code localhost}). */
    private static boolean isLoopback(String host) {
        try {
            return host.equals("localhost") || java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The credentials (token keys, API keys) this server accepts, loaded from its configuration at construction. */
    public Credentials credentials() {
        return credentials;
    }

    /** A server with an in-memory broker, configured by {@code configure} from the defaults. */
    public static HeraldServer create(Consumer<ServerConfig.Builder> configure) {
        ServerConfig.Builder builder = ServerConfig.builder();
        configure.accept(builder);
        return create(builder.build(), new MemoryBroker());
    }

    /**
     * A server on the broker its configuration names ({@link ServerConfig#broker()}): in memory, or
     * Redis (connected when the server starts; until Redis answers the server is not ready).
     */
    public static HeraldServer create(ServerConfig config) {
        return new HeraldServer(config, Brokers.create(config.broker()));
    }

    /**
     * A server on the given broker.
     *
     * @param config the configuration
     * @param broker the broker, not started; the server owns and closes it
     */
    public static HeraldServer create(ServerConfig config, Broker broker) {
        return new HeraldServer(config, broker);
    }

    /**
     * Binds the admin listener (when configured), then the public port, and starts serving; the
     * server is then ready ({@link Readiness}). With {@link ServerConfig#tls()} the public port speaks
     * TLS with ALPN (and HTTP/2 unless {@link ServerConfig#http2()} is off), its certificate reloaded
     * when the files change; else cleartext HTTP/1.1, and HTTP/2 with prior knowledge when
     * {@link ServerConfig#h2c()} is on (docs/protocol.md, "TLS and HTTP/2").
     *
     * @return this
     * @throws IllegalArgumentException naming {@code tlsCert} or {@code tlsKey} and the file, when the
     *                                  certificate or key cannot be read or used
     * @throws IllegalStateException    when an address cannot be bound (e.g. the port is taken), naming
     *                                  it; nothing is left listening then
     */
    public HeraldServer start() {
        if (config.tls()) {
            tls = ServerTls.load(config.tlsCert(), config.tlsKey(), config.http2());
        }
        credentials.start(); // fetches auth.jwks-url in the background
        IoTransport.Choice io = IoTransport.of(config.ioTransport()).resolve();
        if (io.fallback() != null) {
            log.info("server.io-transport auto: using {} ({})", io.transport().word(), io.fallback());
        }
        transport = io.transport();
        int threads = config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
        bossGroup = transport.newGroup(1);
        workerGroup = transport.newGroup(threads);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_LOW_WATER, WRITE_HIGH_WATER));
        if (config.socketSendBuffer() > 0) {
            // a fixed SO_SNDBUF (no autotuning): a slow client's backlog stays in its outbound queue (docs/protocol.md, "Conflation")
            bootstrap.childOption(ChannelOption.SO_SNDBUF, config.socketSendBuffer());
        }
        Duration idle = config.heartbeat().multipliedBy(2).plusSeconds(5);
        try {
            if (adminRouter != null) {
                adminChannel = bind(bootstrap.clone().childHandler(new HttpInitializer(adminConnections, null, adminRouter,
                        ADMIN_MAX_BODY, idle, config.writeStallTimeout(), config.accessLog(), Edge.admin(config))),
                        config.adminListen(),
                        " (the admin listener)");
            }
            serverChannel = bind(bootstrap.clone().childHandler(new HttpInitializer(connections, responses, router,
                    SocketIo.maxPayload(config), idle, config.writeStallTimeout(), config.accessLog(), tls,
                    config.http2() && config.h2c(), config.shutdownGrace(), edge)),
                    new ListenAddress(config.host(), config.port()), "");
        } catch (IllegalStateException e) {
            if (adminChannel != null) {
                adminChannel.close().syncUninterruptibly();
            }
            bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        if (tls != null) {
            tls.watch();
        }
        log.info("Herald listening on {}://{}:{} ({} event loop threads, {}; {})", scheme(), config.host(), port(), threads,
                transport.word(), protocols());
        if (!config.auth().enabled() && !isLoopback(config.host())) {
            log.warn("Access control is off (no auth.keys) while listening on {}: anyone who can reach it may subscribe"
                    + " to any channel{} (docs/security.md)", config.host(),
                    credentials.hasApiKeys() ? "" : " and publish to it");
        }
        if (adminChannel != null) {
            log.info("Admin listener on http://{}:{} (/metrics, /health/live, /health/ready{})", config.adminListen().host(),
                    adminPort(), config.adminEnabled() ? ", /admin/disconnect" : "");
        }
        if (config.demo()) {
            demoFeeds = DemoFeeds.start(node, Clock.systemUTC());
        }
        readiness.ready();
        return this;
    }

    private static Channel bind(ServerBootstrap bootstrap, ListenAddress at, String what) {
        try {
            return bootstrap.bind(new InetSocketAddress(at.host(), at.port())).sync().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + at + what + ": " + e.getMessage(), e);
        }
    }

    /** {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return config.tls() ? "https" : "http";
    }

    /** The protocols the port speaks, for the log. */
    private String protocols() {
        if (tls != null) {
            return "TLS by " + ServerTls.providerName() + ", " + (config.http2() ? "HTTP/2 and HTTP/1.1" : "HTTP/1.1");
        }
        return config.http2() && config.h2c() ? "HTTP/1.1 and h2c" : "HTTP/1.1";
    }

    /**
     * The network transport the sockets run on ({@link ServerConfig#ioTransport()} resolved: never
     * {@link IoTransport#AUTO}), or null before {@link #start()}.
     */
    public IoTransport ioTransport() {
        return transport;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * The bound port of the admin listener (useful with port 0).
     *
     * @throws IllegalStateException when there is no admin listener ({@code adminListen} is off) or
     *                               the server is not started
     */
    public int adminPort() {
        Channel admin = adminChannel;
        if (admin == null) {
            throw new IllegalStateException(config.adminListen() == null ? "no admin listener (adminListen is off)"
                    : "the server is not started");
        }
        return ((InetSocketAddress) admin.localAddress()).getPort();
    }

    /** Whether the server should be sent new clients, and why not: what {@code GET /health/ready} answers. */
    public Readiness readiness() {
        return readiness;
    }

    /** The node: publish, history, sessions, counts. */
    public Node node() {
        return node;
    }

    /** The configuration. */
    public ServerConfig config() {
        return config;
    }

    /** Open connections now. */
    public int connectionCount() {
        return connections.open();
    }

    /** Publishes from Java, as {@code POST /pub} does; see {@link Node#publish}. */
    public CompletableFuture<Publication> publish(String channel, String event, Payload data) {
        return node.publish(channel, event, data);
    }

    /**
     * Subscribes in-process, without HTTP; see {@link LocalSubscriber}. Listener calls run on a
     * shared pool, one at a time per subscriber.
     *
     * @param channel  the channel
     * @param since    the position to resume after, or null for live only
     * @param listener receives the stream
     * @return the subscriber; close it to unsubscribe
     */
    public LocalSubscriber subscribe(String channel, StreamPosition since, SubscriptionListener listener) {
        return LocalSubscriber.open(node, channel, since, listener, ForkJoinPool.commonPool());
    }

    /**
     * Drains the server for a rolling deploy, then stops it (docs/protocol.md, "Drain"):
     * <ol>
     *   <li>at once, {@code /health/ready} answers {@code 503} with the reason {@code draining}, so
     *       load balancers stop sending new clients;</li>
     *   <li>for {@code shutdownDrain} the server goes on serving everything, new clients included,
     *       while the load balancers notice;</li>
     *   <li>then it stops accepting connections and sessions ({@code 503 shutting_down}) and tells
     *       each session to reconnect ({@code 1001 shutdown}; each transport's goodbye lets its
     *       client resume from its last position), spread evenly over {@code shutdownSpread} in a
     *       random order with jitter, so that the other nodes are not hit by every reconnect at once;</li>
     *   <li>then {@link #close()}.</li>
     * </ol>
     * Runs on a thread of its own and returns at once; a second call returns the same future. A
     * {@link #close()} meanwhile cuts the drain short (what is left is told to reconnect at once).
     *
     * @return completes once the server is stopped
     */
    public CompletableFuture<Void> drain() {
        synchronized (lifecycle) {
            if (drained == null) {
                drained = new CompletableFuture<>();
                if (closed) {
                    drained.complete(null);
                } else {
                    readiness.draining();
                    CompletableFuture<Void> done = drained;
                    Thread thread = new Thread(() -> runDrain(done), "herald-drain");
                    thread.start();
                }
            }
            return drained;
        }
    }

    private void runDrain(CompletableFuture<Void> done) {
        try {
            Duration serving = config.shutdownDrain();
            Duration spread = config.shutdownSpread();
            log.info("Draining: not ready; serving for {} ms, then telling the sessions to reconnect over {} ms",
                    serving.toMillis(), spread.toMillis());
            if (!closingWithin(serving.toNanos())) {
                if (serverChannel != null) {
                    serverChannel.close().syncUninterruptibly();
                }
                node.refuseNewSessions();
                reconnectSpread(spread.toNanos());
            }
        } catch (RuntimeException e) {
            log.error("Draining failed; stopping at once", e);
        } finally {
            close();
            done.complete(null);
        }
    }

    /**
     * Tells every session to reconnect ({@link Disconnect#SHUTDOWN}), evenly over {@code spreadNanos}:
     * in a random order, the i-th of n at a random point of the i-th of n equal slots of the window
     * (jittered, yet never clumped). Returns early when {@link #close()} is called.
     */
    private void reconnectSpread(long spreadNanos) {
        List<Session> sessions = new ArrayList<>(node.sessions());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Collections.shuffle(sessions, random);
        int n = sessions.size();
        log.info("Draining: telling {} sessions to reconnect over {} ms", n, TimeUnit.NANOSECONDS.toMillis(spreadNanos));
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long at = start + (long) ((i + random.nextDouble()) * spreadNanos / n);
            long wait = at - System.nanoTime();
            if ((wait > 1_000_000 && closingWithin(wait)) || closed) {
                return;
            }
            sessions.get(i).disconnect(Disconnect.SHUTDOWN);
        }
    }

    /** Waits up to {@code nanos}; true when {@link #close()} was called (or the wait interrupted) meanwhile. */
    private boolean closingWithin(long nanos) {
        try {
            return closing.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Stops gracefully, at once: not ready, no new connections, every session told to reconnect
     * ({@code 1001 shutdown}), then, after up to the grace period for sessions and connections to
     * end, the admin listener and the event loops stop. Idempotent; a call while another thread
     * closes returns once that close is done.
     */
    @Override
    public void close() {
        closing.countDown();
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            readiness.draining();
            if (demoFeeds != null) {
                demoFeeds.close();
            }
            if (serverChannel != null) {
                serverChannel.close().syncUninterruptibly();
            }
            node.close();
            // Sessions write their goodbye and end their responses; wait for that, then close what is
            // left (idle keep-alive connections, clients that never read).
            long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
            while (node.sessionCount() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            connections.closeAll().awaitUninterruptibly(config.shutdownGrace().toMillis());
            readiness.stopped();
            if (adminChannel != null) {
                adminChannel.close().syncUninterruptibly();
                adminConnections.closeAll().awaitUninterruptibly(config.shutdownGrace().toMillis());
            }
            if (workerGroup != null) {
                workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                workerGroup.terminationFuture().syncUninterruptibly();
                bossGroup.terminationFuture().syncUninterruptibly();
            }
            metrics.close();
            credentials.close();
            if (tls != null) {
                tls.close();
            }
            log.info("Herald stopped");
        }
    }
}
