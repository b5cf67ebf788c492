package io.herald.core.broker;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.presence.PresenceStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Stores channel streams (offsets, epochs, history) and carries publications between nodes.
 *
 * <p>The contract, which every implementation passes as the abstract {@code BrokerContractTest}:
 * <ul>
 *   <li>{@link #publish} assigns the next offset of the channel (exactly +1, from 1), appends the
 *       publication to history and delivers it to every node that {@link #subscribe subscribed} to
 *       the channel, atomically per channel: history order, offset order and delivery order agree.</li>
 *   <li>A stream's epoch changes whenever its history may have been lost, so that a stale
 *       {@link StreamPosition} is detected instead of silently skipping publications.</li>
 *   <li>History is bounded by the namespace's size and age; older publications are dropped.</li>
 *   <li>Listener calls for one channel are never concurrent and come in offset order.</li>
 * </ul>
 *
 * <p>Methods are thread-safe and never block the caller: results arrive through the returned
 * futures, which fail with {@link io.herald.core.HeraldException} ({@code broker_unavailable}) when
 * the broker cannot do what was asked. A future never completes successfully for a publication
 * that was not stored.
 */
public interface Broker extends AutoCloseable {

    /**
     * Starts the broker; publications of subscribed channels go to {@code listener}.
     * Called once, before any other method.
     */
    void start(BrokerListener listener);

    /**
     * Publishes to a channel.
     *
     * @param channel a valid channel name
     * @param event   a valid event type
     * @param data    the payload
     * @param options the channel's namespace options (history size and age)
     * @return the stored publication, with its offset, epoch and time
     */
    default CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options) {
        return publish(channel, event, data, options, null);
    }

    /**
     * How long a channel remembers a publication's idempotency key: 5 minutes
     * (docs/protocol.md, "Idempotent publishing").
     */
    Duration IDEMPOTENCY_WINDOW = Duration.ofMinutes(5);

    /**
     * Publishes to a channel once per idempotency key: when the channel stored a publication with
     * the same {@code idempotencyKey} within {@link #IDEMPOTENCY_WINDOW}, nothing is stored or
     * delivered again and the result is that publication's offset, epoch and time (with this call's
     * event and data, which are not compared). A publisher that got no answer (a timeout, a lost
     * connection) retries with the same key and gets one publication, not two.
     *
     * @param channel        a valid channel name
     * @param event          a valid event type
     * @param data           the payload
     * @param options        the channel's namespace options (history size and age)
     * @param idempotencyKey null for none, else a key {@link io.herald.core.Names#checkIdempotencyKey} accepts
     * @return the stored (or earlier stored) publication, with its offset, epoch and time
     */
    default CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                                   String idempotencyKey) {
        return publish(channel, event, data, options, idempotencyKey, null);
    }

    /**
     * Publishes to a channel once per idempotency key (as
     * {@link #publish(String, String, Payload, NamespaceOptions, String)}), with a conflation key
     * that is stored with the publication: history and every node's delivery carry it
     * ({@link Publication#key()}; docs/protocol.md, "Conflation").
     *
     * @param channel        a valid channel name
     * @param event          a valid event type
     * @param data           the payload
     * @param options        the channel's namespace options (history size and age)
     * @param idempotencyKey null for none, else a key {@link io.herald.core.Names#checkIdempotencyKey} accepts
     * @param key            null for none, else a key {@link io.herald.core.Names#checkPublicationKey} accepts
     * @return the stored (or earlier stored) publication, with its offset, epoch, time and key
     */
    CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                           String idempotencyKey, String key);

    /**
     * Reads a channel's history.
     *
     * @param channel a valid channel name
     * @param since   null for the latest {@code limit} publications; otherwise the first
     *                {@code limit} publications with an offset greater than {@code since.offset()}
     *                (the epoch is not compared here: see {@link HistoryResult#recoverable})
     * @param limit   at most this many publications, {@code >= 0}; 0 asks only for the stream top
     * @param options the channel's namespace options (publications older than the age are not returned)
     * @return the publications in offset order with the stream's top and oldest retained offset
     */
    CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options);

    /**
     * Asks for this node to receive the channel's publications. Completes once publications
     * published after completion are certain to be delivered. Calls for one channel are balanced
     * by the hub: one subscribe when its first subscriber arrives, one unsubscribe after its last leaves.
     */
    CompletableFuture<Void> subscribe(String channel);

    /** Stops delivering the channel's publications to this node. */
    CompletableFuture<Void> unsubscribe(String channel);

    /**
     * Tells whether the broker can serve now, for the server's readiness (docs/protocol.md,
     * "Health"): the in-memory broker is always up; a remote broker answers after a round trip to
     * its store, and down (with the reason) when it cannot reach it. Asked every few seconds by
     * load balancers, so it must be cheap. Never throws; the caller bounds the wait, and a future
     * that fails or does not complete in time counts as down.
     */
    CompletableFuture<BrokerHealth> health();

    /**
     * The presence store of this broker's deployment (docs/protocol.md, "Presence"): kept where the
     * streams are, so that every node sharing the broker sees the same presence. The same instance on
     * every call; started and closed with the broker by its owner (the node starts it, and
     * {@link #close()} closes it).
     */
    PresenceStore presence();

    /** Releases the broker's resources, its presence store included; idempotent. */
    @Override
    void close();
}
