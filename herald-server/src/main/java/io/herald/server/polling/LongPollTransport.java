package io.herald.server.polling;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Principal;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Cursor;
import io.herald.server.codec.Envelopes;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Privacy;
import io.herald.server.transport.ChannelTransport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The long-polling transport, {@code GET /longpoll/{channel}}: one held request per session,
 * answered once with {@code {"messages":[envelope...],"next":"ID","reset":bool}}
 * ({@link Envelopes#page}).
 *
 * <p>The session's drain hands publications to {@link #write}, which collects them instead of
 * writing; {@link #flush()} answers as soon as at least one publication arrived and all the
 * publications recovered from history ({@link Subscribed#recovered()}) are in, since the notice and
 * the recovered publications may be drained in separate turns when the broker is remote. A reset
 * notice answers at once. When the timeout passes first, the answer holds what was collected,
 * usually nothing, with {@code next} at the subscription's position. The client polls again from
 * {@code next}, so nothing is lost or repeated between requests.
 *
 * <p>After answering, the session ends but the connection stays open for the client's next request
 * (keep-alive, RFC 9112 section 9.3); later drains write nothing. A client that disconnects while
 * held ends the session. A server-side disconnect (shutdown, slow consumer) answers 200 with what
 * was collected; for {@link Disconnect#SHUTDOWN} the connection is closed after the answer.
 *
 * <p>One instance per request, used on the connection's event loop except {@link #close}.
 *
 * <p>Wire contract: docs/protocol.md, "Long polling".
 */
public final class LongPollTransport extends ChannelTransport {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final StreamPosition since;
    private final Privacy privacy;
    private List<Publication> collected = new ArrayList<>();
    private Subscribed notice;
    /**
     * A request of several channels (docs/protocol.md, "Several channels on one request"): the
     * cursor at what was collected; null on {@code /longpoll/{channel}}.
     */
    private final Cursor cursor;
    /** With {@link #cursor}: the page's items in order, publications and reset notices. */
    private List<Object> items;
    /** With {@link #cursor}: per channel, whether its notice came and how many recovered publications are still to come. */
    private boolean[] started;
    private int[] owed;
    private boolean anyReset;
    private ScheduledFuture<?> timeout;
    private boolean answered;

    /**
     * @param ctx       the router's context, through which the answer is written
     * @param keepAlive whether the request asked to keep the connection, computed before the
     *                  request was released
     * @param since     the position to resume after, or null for the next live publication
     */
    public LongPollTransport(ChannelHandlerContext ctx, boolean keepAlive, StreamPosition since) {
        this(ctx, keepAlive, since, Privacy.PUBLIC);
    }

    /**
     * @param ctx       the router's context, through which the answer is written
     * @param keepAlive whether the request asked to keep the connection
     * @param since     the position to resume after, or null for the next live publication
     * @param privacy   the caching headers of the answer (an authenticated poll's is never stored)
     */
    public LongPollTransport(ChannelHandlerContext ctx, boolean keepAlive, StreamPosition since, Privacy privacy) {
        this(ctx, keepAlive, since, null, privacy);
    }

    /**
     * A long poll of several channels (docs/protocol.md, "Several channels on one request"): it
     * answers as soon as any channel has something, with {@code next} the cursor after the page.
     *
     * @param cursor the request's channels and positions; {@link #start(Node, Principal, Duration)} subscribes each
     */
    public LongPollTransport(ChannelHandlerContext ctx, boolean keepAlive, Cursor cursor, Privacy privacy) {
        this(ctx, keepAlive, null, cursor, privacy);
        this.items = new ArrayList<>();
        this.started = new boolean[cursor.size()];
        this.owed = new int[cursor.size()];
    }

    private LongPollTransport(ChannelHandlerContext ctx, boolean keepAlive, StreamPosition since, Cursor cursor,
                              Privacy privacy) {
        super(ctx.channel());
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.since = since;
        this.cursor = cursor;
        this.privacy = privacy;
    }

    /**
     * Creates the session, subscribes it from the position given to the constructor and holds
     * the request for at most {@code wait}. Call once, on the event loop.
     *
     * @param node        the node
     * @param channelName the channel to subscribe
     * @param wait        how long to hold the request without a publication
     * @throws HeraldException {@code shutting_down} when the node is closing (nothing was started)
     */
    public void start(Node node, String channelName, Duration wait) {
        start(node, channelName, Principal.ANONYMOUS, wait);
    }

    /**
     * {@link #start(Node, String, Duration)} as {@code who} (the access check admitted the request;
     * the subscription checks again).
     */
    public void start(Node node, String channelName, Principal who, Duration wait) {
        begin(node, who, wait, new String[] {channelName}, new StreamPosition[] {since});
    }

    /**
     * Starts a long poll of several channels (the constructor's cursor) as {@code who}: one session,
     * one subscription per channel from its entry. Call once, on the event loop.
     *
     * @throws HeraldException {@code shutting_down} when the node is closing (nothing was started)
     */
    public void start(Node node, Principal who, Duration wait) {
        String[] channels = new String[cursor.size()];
        StreamPosition[] positions = new StreamPosition[cursor.size()];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = cursor.channel(i);
            positions[i] = cursor.position(i);
        }
        begin(node, who, wait, channels, positions);
    }

    private void begin(Node node, Principal who, Duration wait, String[] channels, StreamPosition[] positions) {
        Session session = node.newSession(this);
        session.principal(who);
        attach(session);
        timeout = channel.eventLoop().schedule(() -> answer(null), wait.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i < channels.length; i++) {
            node.subscribe(session, channels[i], positions[i]).whenComplete((subscribed, error) -> {
                if (error != null) {
                    channel.eventLoop().execute(() -> fail(error));
                }
            });
        }
    }

    @Override
    public String name() {
        return "long-polling";
    }

    /** A poll is listed in presence while it is held, but comes and goes too often to announce (docs/protocol.md, "Presence"). */
    @Override
    public boolean announcesPresence() {
        return false;
    }

    @Override
    public boolean unidirectional() {
        return true;
    }

    @Override
    public boolean writable() {
        return !answered && super.writable();
    }

    @Override
    protected void writePublication(Publication publication) {
        if (answered) {
            return;
        }
        if (cursor == null) {
            collected.add(publication);
            return;
        }
        int i = cursor.advance(publication);
        if (i >= 0) {
            items.add(publication);
            owed[i]--;
        }
    }

    @Override
    protected void writeSubscribed(Subscribed subscribed) {
        if (answered) {
            return;
        }
        if (cursor == null) {
            notice = subscribed;
            return;
        }
        int i = cursor.indexOf(subscribed.channel());
        if (i >= 0 && !started[i]) {
            started[i] = true;
            owed[i] = subscribed.recovered();
            cursor.set(i, subscribed.position());
            if (subscribed.reset()) {
                anyReset = true;
                items.add(subscribed);
            }
        }
    }

    /**
     * Answers when the collected publications are enough; see the class comment. Several channels:
     * once every channel's notice and recovered publications are in and there is anything to give.
     */
    @Override
    public void flush() {
        if (cursor == null) {
            if (notice != null && (notice.reset() || collected.size() >= Math.max(1, notice.recovered()))) {
                answer(null);
            }
            return;
        }
        for (int i = 0; i < started.length; i++) {
            if (!started[i] || owed[i] > 0) {
                return;
            }
        }
        if (!items.isEmpty()) {
            answer(null);
        }
    }

    /** Long polling holds an idle request silently; there is no heartbeat. */
    @Override
    protected void writeHeartbeat() {
    }

    /** Answers with what was collected; closes the connection after it on shutdown. */
    @Override
    protected void writeGoodbye(Disconnect reason) {
        answer(reason);
    }

    /** Also stops the timeout and makes later drains write nothing. */
    @Override
    protected void ended() {
        answered = true;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        collected = List.of();
        items = List.of();
        super.ended();
    }

    /**
     * Sends the page once: the collected publications and the position to poll from next. Before
     * the subscription started (no notice yet) that position is {@code since}; when there is none
     * either, no page can be given and the answer is 503: {@code shutting_down} on shutdown, else
     * {@code broker_unavailable} (the subscription did not start in time or was dropped first).
     *
     * @param reason the server-side disconnect that ends the request, or null for an answer or a timeout
     */
    private void answer(Disconnect reason) {
        if (answered) {
            return;
        }
        byte[] body;
        if (cursor == null) {
            StreamPosition next = !collected.isEmpty() ? collected.get(collected.size() - 1).position()
                    : notice != null ? notice.position() : since;
            body = next == null ? null : Envelopes.page(collected, next, notice != null && notice.reset());
        } else {
            body = cursor.full() ? Envelopes.page(items, cursor.toString(), anyReset) : null;
        }
        if (body != null) {
            HttpResponses.json(ctx, keepAlive && reason != Disconnect.SHUTDOWN, body, privacy);
        } else if (reason == Disconnect.SHUTDOWN) {
            HttpResponses.error(ctx, false, ErrorCode.SHUTTING_DOWN, "the server is shutting down");
        } else {
            HttpResponses.error(ctx, false, ErrorCode.BROKER_UNAVAILABLE, "the subscription did not start"
                    + (reason == null ? " within the timeout" : " (" + reason.reason() + ")") + "; retry");
        }
        ended();
    }

    /** The subscribe failed: answers with the contract's error and ends. */
    private void fail(Throwable error) {
        if (answered) {
            return;
        }
        HttpResponses.error(ctx, keepAlive, error, "long-polling subscribe");
        ended();
    }
}
