package io.herald.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tiny single-channel push server for the load generator's own tests, speaking the parts of
 * Herald's wire contract that Herald does not serve yet: {@code POST /pub/{channel}},
 * {@code GET /ws/{channel}} (raw WebSocket, one text frame per publication) and
 * {@code GET /longpoll/{channel}?since=N&timeout=S} (positions are message counts). It can drop
 * every n-th publication's fan-out to check the loss accounting. Everything runs on one event
 * loop, so its state needs no locks.
 */
final class MiniPushServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final int dropEvery;
    private final long answerDelayMillis;
    private final List<String> messages = new ArrayList<>();
    private final List<Channel> sockets = new ArrayList<>();
    private final List<Poll> polls = new ArrayList<>();
    private int dropped;

    private record Poll(ChannelHandlerContext ctx, boolean keepAlive) {
    }

    /** @param dropEvery drop the fan-out of every n-th publication (they still count as accepted); 0 for none */
    MiniPushServer(int dropEvery) throws InterruptedException {
        this(dropEvery, 0);
    }

    /**
     * @param dropEvery         as above
     * @param answerDelayMillis answer each publication this long after it was fanned out (a
     *                          server slow to answer its publisher)
     */
    MiniPushServer(int dropEvery, long answerDelayMillis) throws InterruptedException {
        this.dropEvery = dropEvery;
        this.answerDelayMillis = answerDelayMillis;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws", null, false, 65536, false, true),
                                new Router());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Publications whose fan-out was dropped; read after the run. */
    int dropped() throws Exception {
        return group.next().submit(() -> dropped).get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void publish(String payload) {
        if (dropEvery > 0 && (messages.size() + dropped + 1) % dropEvery == 0) {
            dropped++;
            return;
        }
        messages.add(payload);
        for (Channel socket : sockets) {
            socket.writeAndFlush(new TextWebSocketFrame(payload));
        }
        for (Iterator<Poll> it = polls.iterator(); it.hasNext(); ) {
            Poll poll = it.next();
            it.remove();
            answer(poll.ctx, poll.keepAlive, messages.size() - 1);
        }
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, int since) {
        StringBuilder body = new StringBuilder("{\"messages\":[");
        for (int i = since; i < messages.size(); i++) {
            body.append(i > since ? "," : "").append("{\"channel\":\"c\",\"offset\":").append(i + 1)
                    .append(",\"data\":\"").append(messages.get(i)).append("\"}");
        }
        body.append("],\"next\":\"").append(messages.size()).append("\",\"reset\":false}");
        respond(ctx, keepAlive, HttpResponseStatus.OK, body.toString());
    }

    private static void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
    }

    private final class Router extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.method().equals(HttpMethod.POST) && uri.path().startsWith("/pub/")) {
                publish(request.content().toString(StandardCharsets.UTF_8));
                String answer = "{\"offset\":" + messages.size() + "}";
                if (answerDelayMillis > 0) {
                    ctx.executor().schedule(() -> respond(ctx, keepAlive, HttpResponseStatus.OK, answer),
                            answerDelayMillis, TimeUnit.MILLISECONDS);
                } else {
                    respond(ctx, keepAlive, HttpResponseStatus.OK, answer);
                }
            } else if (uri.path().startsWith("/longpoll/")) {
                List<String> since = uri.parameters().get("since");
                int position = since == null ? messages.size() : Integer.parseInt(since.get(0));
                if (position < messages.size()) {
                    answer(ctx, keepAlive, position);
                } else {
                    polls.add(new Poll(ctx, keepAlive));
                }
            } else {
                respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "{\"error\":{\"code\":\"not_found\"}}");
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                sockets.add(ctx.channel());
                ctx.channel().closeFuture().addListener(f -> sockets.remove(ctx.channel()));
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}
