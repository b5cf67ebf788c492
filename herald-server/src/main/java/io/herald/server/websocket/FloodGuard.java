package io.herald.server.websocket;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.server.ServerConfig;
import io.herald.server.edge.TokenBucket;
import java.util.concurrent.TimeUnit;

/**
 * The rate limits of one WebSocket (docs/protocol.md, "Limits"): a token bucket for commands
 * ({@code limits.ws.command-rate} and {@code -burst}; every message of the protocol on {@code /ws})
 * and one for publications ({@code limits.ws.publish-rate} and {@code -burst}; a {@code publish}
 * command, or any message on raw {@code /ws/{channel}}), and the strikes: a message refused over a
 * limit is a strike, and the {@value #STRIKES}th strike within {@link #STRIKE_WINDOW_NANOS} means
 * the socket is closed with {@link io.herald.core.Disconnect#TOO_MANY_REQUESTS} (4429).
 *
 * <p>One guard per client session of every transport that carries client messages: a {@code /ws}
 * socket (raw or protocol), a SockJS session (through {@link CommandProtocol}) and a Socket.IO
 * socket (every event a command, a {@code publish} event also a publication); docs/protocol.md,
 * "Limits".
 *
 * <p>Not thread-safe: confined to the session's event loop, like its transport.
 */
public final class FloodGuard {
    /** Refusals within {@link #STRIKE_WINDOW_NANOS} that close the socket. */
    static final int STRIKES = 3;
    /** The window of {@link #STRIKES}: 10 s. */
    static final long STRIKE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final TokenBucket commands;
    private final TokenBucket publishes;
    /** The times of the last strikes, a ring of {@value #STRIKES}. */
    private final long[] strikes = new long[STRIKES];
    private int struck;

    /** @param config the server configuration ({@code wsCommandRate}, {@code wsPublishRate} and their bursts; 0 rate: no limit) */
    public FloodGuard(ServerConfig config) {
        long now = System.nanoTime();
        commands = config.wsCommandRate() > 0 ? new TokenBucket(config.wsCommandRate(), config.wsCommandBurst(), now) : null;
        publishes = config.wsPublishRate() > 0 ? new TokenBucket(config.wsPublishRate(), config.wsPublishBurst(), now) : null;
    }

    /**
     * Takes the tokens of one client message at {@code now} ({@link System#nanoTime()}): a command
     * token, and for a publication also a publication token.
     *
     * @return false when over a rate: the message is not carried out; answer {@link #refusal()}, or
     *         end the session when {@link #strike} says so
     */
    public boolean admit(boolean publication, long now) {
        return command(now) && (!publication || publish(now));
    }

    /** What a refused message is answered with ({@code too_many_requests}), unless it ends the session. */
    public static HeraldException refusal() {
        return new HeraldException(ErrorCode.TOO_MANY_REQUESTS, "over the socket's command or publication rate"
                + " (limits.ws.*); slow down: a third refusal within 10 s closes the socket with 4429");
    }

    /** Takes a command token; false when over the command rate. */
    boolean command(long now) {
        return commands == null || commands.tryTake(now);
    }

    /** Takes a publication token; false when over the publication rate. */
    boolean publish(long now) {
        return publishes == null || publishes.tryTake(now);
    }

    /** Counts a refusal at {@code now}; true when it is the {@value #STRIKES}th within the window: close the socket (4429). */
    public boolean strike(long now) {
        strikes[struck % STRIKES] = now;
        struck++;
        // the oldest of the last STRIKES strikes is the one the next strike will overwrite
        return struck >= STRIKES && now - strikes[struck % STRIKES] <= STRIKE_WINDOW_NANOS;
    }
}
