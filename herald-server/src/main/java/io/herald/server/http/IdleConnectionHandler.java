package io.herald.server.http;

import io.herald.core.Disconnect;
import io.herald.server.transport.ChannelTransport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends connections on which the client has sent nothing for a while:
 * <ul>
 *   <li>a connection with no transport (no request yet, or idle between keep-alive requests) is closed;</li>
 *   <li>a WebSocket whose client answered no ping (a browser answers every ping with a pong, RFC 6455
 *       section 5.5.3) is disconnected with {@link Disconnect#STALE};</li>
 *   <li>streaming responses and held long polls are idle on the read side by nature and are left alone:
 *       a vanished client is found by the write side (heartbeats fail, or the queue bound is reached).</li>
 * </ul>
 * One per connection.
 *
 * <p>Wire contract: docs/protocol.md, "Heartbeats and timeouts".
 */
public final class IdleConnectionHandler extends IdleStateHandler {

    /** @param timeout how long a connection may go without a byte from the client */
    public IdleConnectionHandler(Duration timeout) {
        super(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() != IdleState.READER_IDLE) {
            return;
        }
        ChannelTransport transport = ctx.channel().attr(ChannelTransport.KEY).get();
        if (transport == null) {
            ctx.close();
        } else if (!transport.unidirectional() && transport.session() != null) {
            transport.session().disconnect(Disconnect.STALE);
        }
    }
}
