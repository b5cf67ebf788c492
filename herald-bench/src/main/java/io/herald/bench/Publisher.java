package io.herald.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes benchmark payloads at a fixed rate with {@code POST} to the publish URL, over
 * {@code publishConnections} keep-alive connections on its own event loop.
 *
 * <p>Each connection is one stream: it sends publication {@code seq} only after {@code seq - 1}
 * was answered, so the server must deliver a stream's publications in order. Every millisecond
 * the publisher sends as many publications as are due ({@code rate × elapsed}) on the idle
 * connections; when none is idle it falls behind and catches up later (the largest backlog is
 * reported). A payload's timestamp is taken when its request is written. A 2xx answer counts
 * as accepted; any other answer, or a connection lost with a request in flight, as an error.
 * A lost connection is reopened (at most 100 times per run). A server that answers
 * {@code Connection: close} (Pushpin's control port does) gets a new connection for the next
 * publication of that stream; those renewals are not errors. Connections are opened from source
 * addresses {@code 127.0.1.2 ..} in turn, so renewals at a high rate never run out of ports.
 *
 * <p>Thread-safe: the public methods may be called from any thread; the work happens on the
 * publisher's own event loop.
 */
public final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final int MAX_RECONNECTS = 100;

    /**
     * Counters of a publisher.
     *
     * @param accepted       accepted publications per stream
     * @param sent           requests written
     * @param errors         refused publications and requests lost with their connection
     * @param reconnects     connections reopened
     * @param maxBacklog     the most publications that were due but not yet sent at once, since
     *                       {@link #startWindow()}
     * @param firstError     the first error's description, or null
     * @param publishingSeconds how long publishing ran, in seconds
     * @param acceptedSeqs   per stream, the sequence numbers accepted (a copy): what a subscriber that
     *                       got a reset should have received, apart from what the reset skipped
     */
    public record Stats(long[] accepted, long sent, long errors, long reconnects, long maxBacklog, String firstError,
                        double publishingSeconds, java.util.BitSet[] acceptedSeqs) {
        /** Accepted publications over all streams. */
        public long acceptedTotal() {
            long total = 0;
            for (long a : accepted) {
                total += a;
            }
            return total;
        }
    }

    private final BenchConfig config;
    private final MicroClock clock;
    private final ClientLoops loops;
    private final EventLoop loop;
    private final String requestTarget;
    private final Connection[] connections;
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private ScheduledFuture<?> ticker;
    private boolean running;
    private long startNanos;
    private long stopNanos;
    private long sent;
    private long errors;
    private long reconnects;
    private long opens;
    private long maxBacklog;
    private String firstError;

    /**
     * @param config the run's configuration (publish URL, channel, rate, payload size, connections)
     * @param clock  the clock payloads are stamped with
     */
    public Publisher(BenchConfig config, MicroClock clock) {
        this.config = config;
        this.clock = clock;
        this.loops = new ClientLoops(1, "bench-publisher", config.connectTimeout());
        this.loop = loops.group().next();
        this.requestTarget = config.publishUrl().requestTarget(config.channel());
        this.connections = new Connection[config.publishConnections()];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new Connection(i);
        }
    }

    /**
     * Opens the keep-alive connections.
     *
     * @throws BenchException when one cannot be opened within the connect timeout
     */
    public void connect() {
        for (Connection c : connections) {
            ChannelFuture f = c.open();
            if (!f.awaitUninterruptibly(config.connectTimeout().toMillis() + 1000) || !f.isSuccess()) {
                throw new BenchException("cannot connect the publisher to " + config.publishUrl().address() + ": "
                        + (f.cause() == null ? "timed out" : f.cause().toString()), f.cause());
            }
        }
    }

    /** Starts publishing at the configured rate from now on. */
    public void start() {
        onLoop(() -> {
            running = true;
            startNanos = System.nanoTime();
            ticker = loop.scheduleAtFixedRate(this::pump, 0, 1, TimeUnit.MILLISECONDS);
        });
    }

    /** Forgets the largest backlog so far, so that {@link Stats#maxBacklog()} covers the measured window only. */
    public void startWindow() {
        onLoop(() -> {
            maxBacklog = 0;
        });
    }

    /**
     * Stops sending and waits for the answers in flight.
     *
     * @param grace how long to wait for answers in flight
     * @return the counters
     */
    public Stats stop(Duration grace) {
        onLoop(() -> {
            running = false;
            stopNanos = System.nanoTime();
            if (ticker != null) {
                ticker.cancel(false);
            }
        });
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            sleep(5);
        }
        if (inFlight.get() > 0) {
            log.warn("{} publications still unanswered after {} ms", inFlight.get(), grace.toMillis());
        }
        return stats();
    }

    /** The counters now. */
    public Stats stats() {
        return onLoop(() -> {
            long[] accepted = new long[connections.length];
            java.util.BitSet[] seqs = new java.util.BitSet[connections.length];
            for (int i = 0; i < connections.length; i++) {
                accepted[i] = connections[i].accepted;
                seqs[i] = (java.util.BitSet) connections[i].acceptedSeqs.clone();
            }
            long end = running ? System.nanoTime() : stopNanos;
            return new Stats(accepted, sent, errors, reconnects, maxBacklog, firstError,
                    startNanos == 0 ? 0 : (end - startNanos) / 1e9, seqs);
        });
    }

    /** Closes the connections and stops the event loop. Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            onLoop(() -> {
                running = false;
                for (Connection c : connections) {
                    if (c.channel != null) {
                        c.channel.close();
                    }
                }
            });
        } catch (BenchException | IllegalStateException | RejectedExecutionException e) {
            log.debug("publisher already stopped: {}", e.toString());
        }
        loops.close();
    }

    private void pump() {
        if (!running) {
            return;
        }
        long due = (long) (config.rate() * (System.nanoTime() - startNanos) / 1e9);
        while (sent < due && !idle.isEmpty()) {
            idle.poll().send();
        }
        maxBacklog = Math.max(maxBacklog, due - sent);
    }

    private void error(String description) {
        errors++;
        if (firstError == null) {
            firstError = description;
            log.warn("publish error: {}", description);
        }
    }

    private void onLoop(Runnable task) {
        onLoop(() -> {
            task.run();
            return null;
        });
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchException("publisher event loop failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One keep-alive connection and its stream; used on the publisher's event loop only. */
    private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final int stream;
        private long nextSeq;
        private long accepted;
        /** The sequence numbers accepted (one bit each). */
        private final java.util.BitSet acceptedSeqs = new java.util.BitSet();
        private boolean busy;
        private Channel channel;

        Connection(int stream) {
            super(FullHttpResponse.class);
            this.stream = stream;
        }

        ChannelFuture open() {
            Connection self = this;
            ChannelFuture f = loops.bootstrap().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), self);
                }
            }).connect(config.publishUrl().address(), sourceAddress(opens++));
            f.addListener(r -> {
                if (r.isSuccess()) {
                    channel = f.channel();
                    idle.add(this);
                    pump();
                } else if (running) {
                    reopen("reconnect failed: " + r.cause());
                }
            });
            return f;
        }

        @Override
        public boolean isSharable() {
            return true;
        }

        void send() {
            byte[] payload = BenchPayload.encode(stream, nextSeq++, clock.nowMicros(), config.payloadBytes());
            boolean grip = config.publishFormat() == BenchConfig.PublishFormat.GRIP;
            byte[] body = grip ? gripBody(config.channel(), payload) : payload;
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, requestTarget,
                    Unpooled.wrappedBuffer(body));
            request.headers()
                    .set(HttpHeaderNames.HOST, config.publishUrl().hostHeader())
                    .set(HttpHeaderNames.CONTENT_TYPE, grip ? "application/json" : "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            BenchConfig.addHeaders(request.headers(), config.publishHeaders());
            busy = true;
            sent++;
            inFlight.incrementAndGet();
            channel.writeAndFlush(request, channel.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!busy) {
                return;
            }
            busy = false;
            inFlight.decrementAndGet();
            int code = response.status().code();
            if (code >= 200 && code < 300) {
                accepted++;
                acceptedSeqs.set((int) (nextSeq - 1)); // one request in flight: the last one sent
            } else {
                error("POST " + requestTarget + " answered " + response.status() + ": "
                        + abbreviate(response.content().toString(StandardCharsets.UTF_8)));
            }
            if (!HttpUtil.isKeepAlive(response)) {
                // The server closes this connection: the stream goes on over a new one.
                channel = null;
                ctx.close();
                if (running) {
                    open();
                }
                return;
            }
            if (ctx.channel().isActive()) {
                idle.add(this);
                pump();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel() != channel) {
                // an earlier connection of this stream, closed after a Connection: close answer
                super.channelInactive(ctx);
                return;
            }
            idle.remove(this);
            if (busy) {
                busy = false;
                inFlight.decrementAndGet();
                error("connection closed with a publication in flight");
            }
            if (running) {
                reopen("connection closed");
            }
            super.channelInactive(ctx);
        }

        private void reopen(String why) {
            if (reconnects < MAX_RECONNECTS) {
                reconnects++;
                log.debug("publisher connection {}: {}; reopening", stream, why);
                loop.schedule(this::open, 100, TimeUnit.MILLISECONDS);
            } else {
                error("publisher connections failed " + MAX_RECONNECTS + " times (" + why + "); giving up on stream " + stream);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("publisher connection {}: {}", stream, cause.toString());
            ctx.close();
        }
    }

    /** The source address of the {@code n}-th connection opened: {@code 127.0.1.2} to {@code 127.0.1.33} in turn. */
    static java.net.InetSocketAddress sourceAddress(long n) {
        try {
            return new java.net.InetSocketAddress(
                    java.net.InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) (2 + n % 32)}), 0);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A GRIP publish request body for Pushpin's {@code POST /publish/}: the payload (ASCII, no
     * character that JSON must escape) as an SSE {@code message} event for HTTP streams and as a
     * text frame for WebSockets.
     */
    static byte[] gripBody(String channel, byte[] payload) {
        String data = new String(payload, StandardCharsets.US_ASCII);
        return ("{\"items\":[{\"channel\":\"" + channel + "\",\"formats\":{"
                + "\"http-stream\":{\"content\":\"event: message\\ndata: " + data + "\\n\\n\"},"
                + "\"ws-message\":{\"content\":\"" + data + "\"}}}]}").getBytes(StandardCharsets.US_ASCII);
    }

    private static String abbreviate(String s) {
        String line = s.replace('\n', ' ');
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
}
