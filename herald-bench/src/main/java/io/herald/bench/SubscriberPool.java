package io.herald.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens subscriber connections in batches and keeps them until {@link #close()}.
 *
 * <p>Connection {@code i} binds the source address {@code 127.0.0.(2 + i % sourceIps)} so that
 * ephemeral ports (about 28,000 per source address and destination) never run out. A batch is
 * complete when each of its connections is subscribed or has failed, or after the connect timeout
 * (the stragglers are closed and count as failed). The open-file limit is checked before each
 * batch, and reaching it midway ends the ramp with a {@link BenchException}.
 *
 * <p>With {@link BenchConfig#resume()} (SSE only), a subscriber whose connection ends (the
 * server's goodbye, such as {@code 4001} after a Redis restart, or a dropped connection) reconnects
 * at once from the same source address with its last event id ({@code Last-Event-ID}), as a
 * browser's {@code EventSource} does, retrying every 100 ms while refused.
 *
 * <p>Called from one thread (the run's); the connections live on the client event loops.
 */
public final class SubscriberPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubscriberPool.class);

    private final BenchConfig config;
    private final ClientLoops loops;
    private final Deliveries deliveries;
    private final InetAddress[] sourceAddresses;
    private final List<Channel> channels = new ArrayList<>();
    /** Resume mode: the connections reopened since the ramp, while open (any thread adds and removes). */
    private final java.util.Set<Channel> reopened = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<SubscriberState> subscribedStates = new ArrayList<>();
    private int subscribed;
    private volatile boolean closing;
    private long attempts;
    private long failures;
    private Throwable firstFailure;

    /**
     * @param config     the run's configuration (transport, URL, channel, batch size, source addresses, timeouts)
     * @param loops      the client event loops
     * @param deliveries the run's shared counters
     */
    public SubscriberPool(BenchConfig config, ClientLoops loops, Deliveries deliveries) {
        this.config = config;
        this.loops = loops;
        this.deliveries = deliveries;
        this.sourceAddresses = new InetAddress[config.sourceIps()];
        for (int i = 0; i < sourceAddresses.length; i++) {
            try {
                sourceAddresses[i] = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Opens {@code count} more connections in batches and waits for them to subscribe.
     *
     * @return how many of them subscribed
     * @throws BenchException when the open-file limit is reached, or when every connection of a
     *                        batch fails (the server is unreachable or refuses)
     */
    public int open(int count) {
        FileLimits.checkRoomFor(count);
        int opened = 0;
        for (int done = 0; done < count; ) {
            int batch = Math.min(config.batchSize(), count - done);
            int ok = openBatch(batch);
            opened += ok;
            done += batch;
            if (ok == 0) {
                throw new BenchException("no connection of a batch of " + batch + " subscribed to "
                        + config.subscribeUrl().resolve(config.channel()) + ": " + describe(firstFailure), firstFailure);
            }
            log.debug("{} of {} connections subscribed", opened, count);
        }
        return opened;
    }

    private int openBatch(int size) {
        List<CompletableFuture<Void>> ready = new ArrayList<>(size);
        List<ChannelFuture> connects = new ArrayList<>(size);
        List<SubscriberState> batchStates = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            CompletableFuture<Void> readyFuture = new CompletableFuture<>();
            SubscriberState state = new SubscriberState(deliveries, config.publishConnections());
            UrlTemplate url = config.subscribeUrl(attempts);
            InetAddress source = sourceAddresses[(int) (attempts++ % sourceAddresses.length)];
            Bootstrap bootstrap = loops.bootstrap().handler(initializer(url, state, readyFuture, source));
            ChannelFuture connect;
            try {
                connect = bootstrap.connect(url.address(), new InetSocketAddress(source, 0));
            } catch (RuntimeException e) {
                connect = null;
                readyFuture.completeExceptionally(e);
            }
            if (connect != null) {
                connect.addListener(f -> {
                    if (!f.isSuccess()) {
                        readyFuture.completeExceptionally(f.cause());
                    }
                });
            }
            ready.add(readyFuture);
            connects.add(connect);
            batchStates.add(state);
        }
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        int ok = 0;
        for (int i = 0; i < size; i++) {
            ChannelFuture connect = connects.get(i);
            Throwable error = await(ready.get(i), deadline);
            if (error == null) {
                ok++;
                subscribed++;
                channels.add(connect.channel());
                subscribedStates.add(batchStates.get(i));
                continue;
            }
            failures++;
            if (firstFailure == null) {
                firstFailure = error;
            }
            if (connect != null) {
                connect.channel().close();
            }
            if (FileLimits.isFileLimit(error)) {
                closeRest(connects, ready, i + 1);
                throw new BenchException("open-file limit reached after " + channels.size()
                        + " subscribed connections (limit " + FileLimits.softLimit() + " per process): "
                        + describe(error) + "; run several load generators for more connections", error);
            }
        }
        if (size - ok > 0) {
            log.warn("{} of {} connections failed to subscribe; first error: {}", size - ok, size, describe(firstFailure));
        }
        return ok;
    }

    private void closeRest(List<ChannelFuture> connects, List<CompletableFuture<Void>> ready, int from) {
        for (int j = from; j < connects.size(); j++) {
            if (connects.get(j) != null) {
                connects.get(j).channel().close();
            }
            ready.get(j).cancel(false);
        }
    }

    private static Throwable await(CompletableFuture<Void> future, long deadline) {
        try {
            future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            future.cancel(false);
            return new TimeoutException("not subscribed within the connect timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /**
     * Resume mode: reconnects {@code state}'s subscriber from {@code source} with its last event id;
     * on failure tries again after 100 ms, until the run closes. Any thread.
     */
    private void resume(UrlTemplate url, SubscriberState state, InetAddress source) {
        if (closing) {
            return;
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        ChannelFuture connect = loops.bootstrap().handler(initializer(url, state, ready, source))
                .connect(url.address(), new InetSocketAddress(source, 0));
        Channel ch = connect.channel();
        reopened.add(ch);
        ch.closeFuture().addListener(f -> reopened.remove(ch));
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                ready.completeExceptionally(f.cause());
            }
        });
        ready.whenComplete((v, error) -> {
            if (error == null) {
                state.onResume();
            } else if (!closing) {
                ch.close();
                ch.eventLoop().schedule(() -> resume(url, state, source), 100, TimeUnit.MILLISECONDS);
            }
        });
    }

    private ChannelInitializer<Channel> initializer(UrlTemplate url, SubscriberState state, CompletableFuture<Void> ready,
                                                    InetAddress source) {
        String channel = config.channel();
        Runnable onEnded = config.resume() ? () -> resume(url, state, source) : null;
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                switch (config.transport()) {
                    case SSE -> p.addLast(new HttpClientCodec(),
                            new SseSubscriberHandler(url.requestTarget(channel), url.hostHeader(), config.headers(), state, deliveries,
                                    ready, () -> closing, onEnded));
                    case WS -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                            new WebSocketClientProtocolHandler(webSocketConfig(url.webSocketUri(channel))),
                            new WebSocketFrameAggregator(1 << 20),
                            new WsSubscriberHandler(state, deliveries, ready, () -> closing));
                    case SOCKJS_WS -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                            new WebSocketClientProtocolHandler(webSocketConfig(
                                    url.webSocketUri(channel, java.util.concurrent.ThreadLocalRandom.current()))),
                            new WebSocketFrameAggregator(1 << 20),
                            new SockJsSubscriberHandler(channel, state, deliveries, ready, () -> closing));
                    case SOCKETIO_WS -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                            new WebSocketClientProtocolHandler(webSocketConfig(url.webSocketUri(channel))),
                            new WebSocketFrameAggregator(1 << 20),
                            new SocketIoSubscriberHandler(channel, state, deliveries, ready, () -> closing));
                    case LONGPOLL -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20),
                            new LongPollSubscriberHandler(url.requestTarget(channel), url.hostHeader(), config.headers(),
                                    config.longPollTimeout().toSeconds(), state, deliveries, ready, () -> closing));
                }
            }
        };
    }

    private io.netty.handler.codec.http.HttpHeaders customHeaders() {
        if (config.headers().isEmpty()) {
            return EmptyHttpHeaders.INSTANCE;
        }
        io.netty.handler.codec.http.HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders();
        BenchConfig.addHeaders(h, config.headers());
        return h;
    }

    private WebSocketClientProtocolConfig webSocketConfig(URI uri) {
        return WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(customHeaders())
                .maxFramePayloadLength(1 << 20)
                .handshakeTimeoutMillis(config.connectTimeout().toMillis())
                .handleCloseFrames(true)
                .dropPongFrames(true)
                // the payload check rejects anything but ASCII digits and spaces in the header
                .withUTF8Validator(false)
                .sendCloseFrame(null)
                .build();
    }

    /** Connections that subscribed (some may have been dropped by the server since). */
    public int connected() {
        return subscribed;
    }

    /** Connections that failed to subscribe so far. */
    public long failures() {
        return failures;
    }

    /** The first failure's description, or null. */
    public String firstFailure() {
        return firstFailure == null ? null : describe(firstFailure);
    }

    /**
     * The accounting of every subscriber that subscribed (failed ones are left out). Read it
     * after the client event loops have stopped.
     */
    public List<SubscriberState> subscribedStates() {
        return Collections.unmodifiableList(subscribedStates);
    }

    /** Closes every connection and waits up to 10 s for them to close. Idempotent. */
    @Override
    public void close() {
        closing = true;
        List<ChannelFuture> closes = new ArrayList<>(channels.size());
        for (Channel channel : channels) {
            closes.add(channel.close());
        }
        for (Channel channel : reopened) {
            closes.add(channel.close());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ChannelFuture close : closes) {
            if (!close.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                log.warn("connections did not all close within 10 s");
                break;
            }
        }
        channels.clear();
    }

    private static String describe(Throwable error) {
        if (error == null) {
            return "none";
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error ? error.toString() : error + " (cause: " + root + ")";
    }
}
