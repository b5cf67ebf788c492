package io.herald.server.transport;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Forwards a connection's writability changes to its {@link ChannelTransport}, so the session's
 * drain resumes when the client reads again. Shared by every connection; stateless.
 */
@Sharable
public final class WritabilityHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ChannelTransport transport = ctx.channel().attr(ChannelTransport.KEY).get();
        if (transport != null) {
            transport.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
