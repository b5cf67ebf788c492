package io.herald.server.sockjs;

import io.herald.core.Disconnect;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Push;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.herald.core.presence.PresenceEvent;
import io.herald.server.codec.PresenceJson;
import io.herald.server.codec.WireErrors;
import io.herald.server.transport.LoopCoalescer;
import io.herald.server.websocket.CommandProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Herald inside a SockJS session on {@code /sockjs} (docs/protocol.md, "SockJS"): each SockJS
 * message is one command of the WebSocket protocol ({@link CommandProtocol}, the same handling as
 * {@code /ws}); each reply, push and the goodbye is one SockJS message. It is the core
 * {@link Transport} of the session's core {@link Session}: pushes flow while the SockJS outbox has
 * room ({@link SockJsSession#writable}), else they wait in the core session's bounded queue. A
 * disconnect sends the goodbye, then closes the SockJS session with the same code
 * ({@code c[4000,"..."]}, docs/protocol.md, "Disconnect codes"). With access control on, a session
 * whose opening request carried the token cookie ({@code auth.cookie}) starts connected with its
 * principal; one whose cookie does not verify gets the error and ends 4401 (expired: 4004).
 *
 * <p>Threading: everything runs on the SockJS session's loop; {@link #close} may be called from any thread.
 */
final class HeraldApp implements SockJsApp, Transport, CommandProtocol.Link {
    private final Node node;
    private final CommandProtocol protocol;
    /** Who the opening request's cookie says the client is, or null (none, or access control off). */
    private final Principal cookie;
    /** Why the opening request's cookie was refused, or null. */
    private final HeraldException refused;
    private SockJsSession sockjs;
    private Session session;
    private ScheduledFuture<?> deadline;
    private boolean closing;

    /**
     * @param node     the node the session subscribes and publishes on
     * @param commands the command handling's shared part
     * @param cookie   the principal the opening request's cookie verified to, or null for none
     * @param refused  why the opening request's cookie did not verify, or null
     */
    HeraldApp(Node node, CommandProtocol.Factory commands, Principal cookie, HeraldException refused) {
        this.node = node;
        this.protocol = commands.open(this);
        this.cookie = cookie;
        this.refused = refused;
    }

    @Override
    public void opened(SockJsSession s) {
        sockjs = s;
        try {
            session = node.newSession(this);
        } catch (HeraldException e) {
            closing = true;
            s.close(WireErrors.closeCode(Disconnect.SHUTDOWN), Disconnect.SHUTDOWN.reason());
            return;
        }
        protocol.started();
        if (refused != null) {
            protocol.refused(refused); // the error, the goodbye, c[4401] (expired: 4004)
        } else if (cookie != null) {
            protocol.admitted(cookie); // connected as by a connect with the cookie's token
        }
    }

    @Override
    public void message(String message) {
        if (session == null || closing) {
            return;
        }
        ByteBuf content = Unpooled.wrappedBuffer(message.getBytes(StandardCharsets.UTF_8));
        try {
            protocol.text(content);
        } finally {
            content.release();
        }
    }

    @Override
    public void drained() {
        if (session != null && !closing && sockjs.writable()) {
            session.onWritable();
        }
    }

    @Override
    public void closed() {
        closing = true;
        cancelDeadline();
        if (session != null) {
            session.onClosed();
        }
    }

    // Transport: the core session's side

    @Override
    public String name() {
        return "sockjs";
    }

    /** The SockJS session's loop, wrapped for the write delay (docs/protocol.md, "Write delay"). */
    @Override
    public Executor executor() {
        return LoopCoalescer.of(sockjs.loop());
    }

    @Override
    public boolean writable() {
        return !closing && sockjs.writable();
    }

    /** Its messages are the envelopes, with {@code "conflated":n} (docs/protocol.md, "Conflation"). */
    @Override
    public boolean showsConflation() {
        return true;
    }

    @Override
    public void write(Push push) {
        if (push instanceof Publication p) {
            protocol.publication(p);
        } else if (push instanceof Subscribed s) {
            protocol.subscribed(s);
        } else if (push instanceof PresenceEvent e) {
            protocol.presenceEvent(e);
        }
    }

    @Override
    public void flush() {
        sockjs.flush();
    }

    @Override
    public void close(Disconnect reason) {
        onEventLoop(() -> {
            if (closing) {
                return;
            }
            closing = true;
            sockjs.send(literal(CommandProtocol.goodbye(reason)));
            sockjs.close(WireErrors.closeCode(reason), reason.reason());
        });
    }

    // CommandProtocol.Link: where the command handling writes

    @Override
    public Session session() {
        return session;
    }

    @Override
    public void reply(String json) {
        if (!closing) {
            sockjs.send(literal(json));
            sockjs.flush();
        }
    }

    @Override
    public void reply(ByteBuf json) {
        try {
            reply(json.toString(StandardCharsets.UTF_8));
        } finally {
            json.release();
        }
    }

    @Override
    public void push(byte[] utf8Json) {
        sockjs.send(literal(new String(utf8Json, StandardCharsets.UTF_8)));
    }

    @Override
    public void push(Publication publication) {
        // the envelope as a SockJS message literal, encoded once per publication and shared
        sockjs.send(publication.encoded(SockJsJson.MESSAGE));
    }

    @Override
    public void push(PresenceEvent event) {
        sockjs.send(literal(PresenceJson.event(event)));
    }

    @Override
    public void onEventLoop(Runnable task) {
        if (sockjs.loop().inEventLoop()) {
            task.run();
        } else {
            sockjs.loop().execute(task);
        }
    }

    @Override
    public void deadline(Duration delay, Disconnect reason) {
        cancelDeadline();
        deadline = sockjs.loop().schedule(() -> {
            deadline = null;
            if (session != null && !session.isClosed()) {
                session.disconnect(reason);
            }
        }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    @Override
    public long authenticated(Principal principal, Duration grace) {
        session.principal(principal);
        Instant expiresAt = principal.expiresAt();
        if (expiresAt == null) {
            cancelDeadline();
            return -1;
        }
        deadline(Duration.between(Instant.now(), expiresAt.plus(grace)), Disconnect.TOKEN_EXPIRED);
        return Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
    }

    @Override
    public void violation(Disconnect reason) {
        session.disconnect(reason);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private static ByteBuf literal(String text) {
        return SockJsSession.ascii(SockJsJson.quote(text));
    }
}
