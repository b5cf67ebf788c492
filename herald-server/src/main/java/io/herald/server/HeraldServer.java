package io.herald.server;

import io.herald.core.LocalSubscriber;
import io.herald.core.Node;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.SubscriptionListener;
import io.herald.core.broker.Broker;
import io.herald.core.broker.MemoryBroker;
import io.herald.server.demo.DemoFeeds;
import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.HttpInitializer;
import io.herald.server.http.Router;
import io.herald.server.metrics.HeraldMetrics;
import io.herald.server.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
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
 * {@link #start()} also starts the {@link DemoFeeds} (clock and ticker) and {@link #close()} stops them. {@link #close()} is graceful:
 * it stops accepting, tells every session to reconnect ({@code 1001 shutdown}), waits up to the
 * configured grace for connections to end, then stops the event loops. Thread-safe.
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

    private final ServerConfig config;
    private final Node node;
    private final ConnectionCounter connections = new ConnectionCounter();
    private final Router router;
    private final HeraldMetrics metrics;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    private DemoFeeds demoFeeds;
    private ServerTls tls;
    private volatile boolean closed;

    private HeraldServer(ServerConfig config, Broker broker) {
        this.config = config;
        this.node = new Node(config.node(), broker);
        this.router = new Router(connections, config.maxConnections());
        this.metrics = new HeraldMetrics(node, connections);
        Routes.install(router, node, config, metrics);
    }

    /** A server with an in-memory broker, configured by {@code configure} from the defaults. */
    public static HeraldServer create(Consumer<ServerConfig.Builder> configure) {
        ServerConfig.Builder builder = ServerConfig.builder();
        configure.accept(builder);
        return create(builder.build(), new MemoryBroker());
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
     * Binds and starts serving: with {@link ServerConfig#tls()}, TLS with ALPN (and HTTP/2 unless
     * {@link ServerConfig#http2()} is off), its certificate reloaded when the files change; else
     * cleartext HTTP/1.1, and HTTP/2 with prior knowledge when {@link ServerConfig#h2c()} is on.
     *
     * @return this
     * @throws IllegalArgumentException naming {@code tlsCert} or {@code tlsKey} and the file, when the
     *                                  certificate or key cannot be read or used
     * @throws IllegalStateException    when the address cannot be bound (e.g. the port is taken)
     */
    public HeraldServer start() {
        if (config.tls()) {
            tls = ServerTls.load(config.tlsCert(), config.tlsKey(), config.http2());
        }
        boolean epoll = Epoll.isAvailable();
        int threads = config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
        bossGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        workerGroup = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_LOW_WATER, WRITE_HIGH_WATER))
                .childHandler(new HttpInitializer(connections, router, config.node().maxPayloadBytes(),
                        config.heartbeat().multipliedBy(2).plusSeconds(5), config.writeStallTimeout(), tls,
                        config.http2() && config.h2c(), config.shutdownGrace()));
        try {
            serverChannel = bootstrap.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
        } catch (Exception e) {
            bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        if (tls != null) {
            tls.watch();
        }
        log.info("Herald listening on {}://{}:{} ({} event loop threads, {}; {})", scheme(), config.host(), port(), threads,
                epoll ? "epoll" : "nio", protocols());
        if (config.demo()) {
            demoFeeds = DemoFeeds.start(node, Clock.systemUTC());
        }
        return this;
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

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
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
     * Stops gracefully: no new connections, every session told to reconnect, then the event loops
     * stop after the grace period. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
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
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workerGroup.terminationFuture().syncUninterruptibly();
            bossGroup.terminationFuture().syncUninterruptibly();
        }
        metrics.close();
        if (tls != null) {
            tls.close();
        }
        log.info("Herald stopped");
    }
}
