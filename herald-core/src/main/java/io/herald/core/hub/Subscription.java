package io.herald.core.hub;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.NamespaceOptions;
import io.herald.core.broker.HistoryResult;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's interest in one channel, and the state that keeps its stream in order: while it
 * recovers it buffers live publications; once live it forwards each next offset to the session's
 * outbound queue, drops duplicates and, on a gap or an epoch change, stops forwarding at once and
 * disconnects the session within the node's reset spread (so the client resumes, never skips).
 *
 * <p>Thread-safe: broker threads call {@link #onPublication}, the recovering thread calls
 * {@link #recovered}; both hold this object's monitor only for in-memory work (the session's
 * {@link Session#send} never blocks and never does I/O).
 */
public final class Subscription {
    private final Session session;
    private final String channel;
    private List<Publication> pending = new ArrayList<>();
    private long pendingBytes;
    private String epoch;
    private long offset;
    private boolean closed;
    /**
     * Whether the channel's namespace has {@code conflation} on (docs/protocol.md, "Conflation"); set
     * by the hub before the subscription is registered for publications.
     */
    boolean conflation;
    /**
     * The write delay of the channel's namespace in nanoseconds (docs/protocol.md, "Write delay"):
     * the budget of every push of this subscription. Set by {@link #writeDelay} before the
     * subscription is registered for publications.
     */
    private long budgetNanos;
    /** This subscription's presence entry while it is listed or announced (see {@link #join}); else null. */
    private ClientInfo member;
    /** Whether {@link #member} was added to the presence store (namespace {@code presence}). */
    private boolean listed;
    /** Whether {@link #member}'s join was announced (namespace {@code join-leave}), so its leave will be. */
    private boolean announced;

    Subscription(Session session, String channel) {
        this.session = session;
        this.channel = channel;
    }

    /** Sets the write delay of this subscription's pushes and tells the session's delivery of it. */
    void writeDelay(long nanos) {
        budgetNanos = nanos;
        session.delivery().admit(nanos);
    }

    /** The channel. */
    public String channel() {
        return channel;
    }

    /** The session this subscription belongs to. */
    public Session session() {
        return session;
    }

    /** The position of the last publication handed to the session, or null while recovering. */
    public synchronized StreamPosition position() {
        return epoch == null ? null : new StreamPosition(epoch, offset);
    }

    /**
     * A live publication from the hub's fan-out at {@code nowNanos} ({@link System#nanoTime()});
     * a drain it starts joins {@code batch}.
     */
    void onPublication(Publication p, long nowNanos, DrainBatch batch, ResetSpread resets) {
        Disconnect failure = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending != null) {
                pendingBytes += p.estimatedSize();
                if (pendingBytes > session.queueMaxBytes()) {
                    closed = true;
                    failure = Disconnect.SLOW;
                } else {
                    pending.add(p);
                    return;
                }
            } else if (!p.epoch().equals(epoch) || p.offset() > offset + 1) {
                // the stream was lost live, for every subscriber of the channel at once: spread
                closed = true;
                pending = null;
            } else if (p.offset() == offset + 1) {
                offset = p.offset();
                session.send(p, conflation, budgetNanos, nowNanos, batch);
                return;
            } else {
                return;
            }
        }
        if (failure == null) {
            resets.disconnectLater(session);
        } else {
            session.disconnect(failure);
        }
    }

    /**
     * Ends recovery: merges history with the buffered live publications (see {@link Recovery}) and
     * sends the {@link Subscribed} notice followed by the publications.
     *
     * @return the notice that was sent, or null when the subscription was closed meanwhile
     */
    Subscribed recovered(StreamPosition since, HistoryResult history) {
        return recovered(since, null, history);
    }

    /**
     * As {@link #recovered(StreamPosition, HistoryResult)}; with {@code newStream} (see
     * {@link Recovery#newStreamStart}) {@code history} was read after it, and the subscriber is
     * reset to it and receives the new stream's publications.
     */
    Subscribed recovered(StreamPosition since, StreamPosition newStream, HistoryResult history) {
        Subscribed notice;
        boolean complete;
        synchronized (this) {
            if (closed) {
                return null;
            }
            Recovery.Outcome outcome = newStream == null ? Recovery.merge(since, history, pending)
                    : Recovery.mergeFromNewStream(newStream, history, pending);
            pending = null;
            pendingBytes = 0;
            notice = new Subscribed(this, outcome.reset(), outcome.start(), outcome.recovered());
            session.send(notice, budgetNanos);
            List<Publication> pubs = outcome.publications();
            for (int i = 0; i < pubs.size(); i++) {
                // History is replayed outside the queue's byte bound (see Recovered); the live
                // publications buffered during recovery count like any live one.
                session.send(i < outcome.recovered() ? new Recovered(pubs.get(i)) : pubs.get(i), budgetNanos);
            }
            StreamPosition end = outcome.end();
            epoch = end.epoch();
            offset = end.offset();
            complete = outcome.complete();
            closed = !complete;
        }
        if (!complete) {
            session.disconnect(Disconnect.INSUFFICIENT_STATE);
        }
        return notice;
    }

    /**
     * The channel's stream was lost (its epoch changed with no publication to say so): stops
     * forwarding at once and disconnects the session with {@link Disconnect#INSUFFICIENT_STATE}
     * through {@code resets} (after a random delay within the node's reset spread), so the client
     * resumes from its last id and is told of the reset. Nothing when already closed.
     */
    void lost(ResetSpread resets) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending = null;
        }
        resets.disconnectLater(session);
    }

    /**
     * A join or leave event of this subscription's channel: sent to the session once the
     * subscription is live (its subscribe notice went first), dropped while it recovers or after it
     * ended. Not a publication: it takes no part in offsets or the resume rule.
     */
    void onPresenceEvent(PresenceEvent event) {
        synchronized (this) {
            if (closed || pending != null) {
                return;
            }
            session.send(event, budgetNanos);
        }
    }

    /**
     * The subscription became live: adds {@code who} to the channel's presence (namespace
     * {@code presence}) and announces its join (namespace {@code join-leave}, unless its transport
     * does not {@link Transport#announcesPresence announce}). Nothing when it ended
     * meanwhile. The store calls are made under this object's monitor, as {@link #leave}'s are, so a
     * leave is always issued after its join (the stores only enqueue: no I/O waits here).
     */
    synchronized void join(ClientInfo who, NamespaceOptions options, PresenceStore store) {
        if (closed || member != null || !(options.presence() || options.joinLeave())) {
            return;
        }
        member = who;
        listed = options.presence();
        announced = options.joinLeave() && session.transport().announcesPresence();
        if (listed) {
            Hub.logFailure(store.add(channel, who), "presence add", channel);
        }
        if (announced) {
            Hub.logFailure(store.announce(new PresenceEvent(channel, true, who)), "join announce", channel);
        }
    }

    /** The subscription ended: removes its presence entry and announces its leave, when {@link #join} did. */
    synchronized void leave(PresenceStore store) {
        if (member == null) {
            return;
        }
        if (listed) {
            Hub.logFailure(store.remove(channel, member.client()), "presence remove", channel);
        }
        if (announced) {
            Hub.logFailure(store.announce(new PresenceEvent(channel, false, member)), "leave announce", channel);
        }
        member = null;
    }

    /** Stops forwarding; later publications are ignored. */
    synchronized void close() {
        closed = true;
        pending = null;
    }

    @Override
    public String toString() {
        return "Subscription[" + channel + " of session " + session.id() + "]";
    }
}
