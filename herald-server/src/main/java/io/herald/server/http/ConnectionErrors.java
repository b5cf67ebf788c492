package io.herald.server.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2Exception;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection (or an HTTP/2 stream) does on an exception no handler took: it is logged, at
 * debug when the network or the client is the cause (a reset connection, a broken TLS record), in
 * one line at info for an HTTP/2 connection error (the client broke the protocol, or tripped a
 * guard such as the rapid-reset one; Netty sends its {@code GOAWAY} right after), else as a warning with
 * its stack trace, and the channel is closed. Never anything on the wire
 * but the close. The last handler of an HTTP/2 connection's pipeline; the {@link Router} ends the
 * others. Stateless, shared, thread-safe.
 */
@Sharable
public final class ConnectionErrors extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionErrors.class);

    /** The one instance. */
    public static final ConnectionErrors INSTANCE = new ConnectionErrors();

    private ConnectionErrors() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        caught(ctx, cause);
    }

    /** Logs {@code cause} (see the class comment) and closes the channel of {@code ctx}. */
    static void caught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable io = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (io instanceof IOException) { // javax.net.ssl.SSLException is one
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), io.toString());
        } else if (cause instanceof Http2Exception h2) {
            log.info("HTTP/2 connection {} closed: {} ({})", ctx.channel().remoteAddress(), h2.getMessage(), h2.error());
            // Netty's frame codec fires the error here before it sends its GOAWAY with the error's code
            // (e.g. ENHANCE_YOUR_CALM) and closes: closing now would send a graceful GOAWAY (NO_ERROR)
            // first. Close after it, in case it did not.
            ctx.channel().eventLoop().execute(ctx::close);
            return;
        } else {
            log.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
