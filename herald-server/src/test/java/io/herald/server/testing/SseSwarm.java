package io.herald.server.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Many Server-Sent Events subscribers of one channel on a Netty event loop, for tests of many
 * clients (a thread each would not do). Each follows the stream as a browser's {@code EventSource}
 * does: after the server's goodbye (or a lost connection) it reconnects with {@code Last-Event-ID}
 * set to the last id it received; where to is asked of a "load balancer" ({@code port}) at every
 * connect. A refused connection or a non-200 answer is retried after {@link #RETRY_MS}.
 *
 * <p>Each {@link Subscriber} records what it received: the offsets and data of the publications,
 * the resets, the goodbyes with when they came, the ports it connected to. Thread-safe to read
 * while it runs; the lists are filled on the event loop.
 */
public final class SseSwarm implements AutoCloseable {
    /** How long a subscriber waits before trying again after a refused connection or a non-200 answer. */
    public static final long RETRY_MS = 100;

    /** A goodbye a subscriber received: {@code herald-disconnect}'s data, and when ({@link System#nanoTime()}). */
    public record Goodbye(long nanos, int port, String data) {
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Bootstrap bootstrap;
    private final String path;
    private final IntSupplier port;
    private final List<Subscriber> subscribers = new ArrayList<>();
    private volatile boolean closed;

    private SseSwarm(String path, IntSupplier port) {
        this.path = path;
        this.port = port;
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    }

    /**
     * Starts {@code count} subscribers of {@code path} (e.g. {@code /sse/c}), each connecting to
     * 127.0.0.1 at the port {@code port} gives then.
     */
    public static SseSwarm start(int count, String path, IntSupplier port) {
        SseSwarm swarm = new SseSwarm(path, port);
        for (int i = 0; i < count; i++) {
            Subscriber s = swarm.new Subscriber();
            swarm.subscribers.add(s);
            s.connect();
        }
        return swarm;
    }

    /** The subscribers, in start order. */
    public List<Subscriber> subscribers() {
        return subscribers;
    }

    /** Closes every connection and stops reconnecting. */
    @Override
    public void close() {
        closed = true;
        for (Subscriber s : subscribers) {
            Channel c = s.channel;
            if (c != null) {
                c.close().syncUninterruptibly();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One subscriber: one connection at a time, resumed from its last id. */
    public final class Subscriber {
        /** Offsets of the publications received, in order. */
        public final List<Long> offsets = new CopyOnWriteArrayList<>();
        /** Data of the publications received, in order. */
        public final List<String> data = new CopyOnWriteArrayList<>();
        /** The ids of the reset signals received. */
        public final List<String> resets = new CopyOnWriteArrayList<>();
        /** The goodbyes received. */
        public final List<Goodbye> goodbyes = new CopyOnWriteArrayList<>();
        /** The port of every connection made (the first, then each reconnect), in order. */
        public final List<Integer> ports = new CopyOnWriteArrayList<>();
        private volatile Channel channel;
        private volatile String lastId;

        /** The last id received, or null. */
        public String lastId() {
            return lastId;
        }

        void connect() {
            if (closed) {
                return;
            }
            int to = port.getAsInt();
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new Stream(to));
                }
            }).connect("127.0.0.1", to).addListener(f -> {
                if (f.isSuccess()) {
                    ports.add(to);
                } else {
                    retry();
                }
            });
        }

        private void retry() {
            if (!closed) {
                group.schedule(this::connect, RETRY_MS, TimeUnit.MILLISECONDS);
            }
        }

        /** One connection's stream: sends the request, splits events, reconnects when it ends. */
        private final class Stream extends SimpleChannelInboundHandler<HttpObject> {
            private final int port;
            private final StringBuilder pending = new StringBuilder();
            private String id;
            private String event;
            private final StringBuilder eventData = new StringBuilder();
            private boolean refused;

            Stream(int port) {
                this.port = port;
            }

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                channel = ctx.channel();
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
                request.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port).set(HttpHeaderNames.ACCEPT, "text/event-stream");
                if (lastId != null) {
                    request.headers().set("Last-Event-ID", lastId);
                }
                ctx.writeAndFlush(request);
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof HttpResponse response && response.status().code() != 200) {
                    refused = true;
                }
                if (msg instanceof HttpContent content && !refused) {
                    ByteBuf bytes = content.content();
                    pending.append(bytes.toString(StandardCharsets.UTF_8));
                    lines();
                }
                if (msg instanceof LastHttpContent) {
                    ctx.close();
                }
            }

            private void lines() {
                int nl;
                while ((nl = pending.indexOf("\n")) >= 0) {
                    String line = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    if (line.isEmpty()) {
                        dispatch();
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        eventData.append(line, 6, line.length());
                    }
                }
            }

            private void dispatch() {
                if ("herald-disconnect".equals(event)) {
                    goodbyes.add(new Goodbye(System.nanoTime(), port, eventData.toString()));
                } else if ("herald-reset".equals(event)) {
                    resets.add(id);
                    lastId = id;
                } else if (id != null) {
                    offsets.add(Long.parseLong(id.substring(id.lastIndexOf('-') + 1)));
                    data.add(eventData.toString());
                    lastId = id;
                }
                id = null;
                event = null;
                eventData.setLength(0);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (refused) {
                    retry();
                } else if (!closed) {
                    connect();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
