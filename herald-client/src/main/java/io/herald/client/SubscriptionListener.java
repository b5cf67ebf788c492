package io.herald.client;

/**
 * What a {@link Subscription} reports. Every method is called on the subscription's delivery thread
 * (one at a time, in order, never on the HTTP client's threads; see {@link HeraldClient}, "Threading"),
 * so an implementation needs no locking for state only it touches. A method that throws is reported
 * to {@link #onError} and delivery goes on. All but {@link #onPublication} have empty defaults.
 */
@FunctionalInterface
public interface SubscriptionListener {

    /**
     * A publication of the channel, in offset order, none twice, none skipped without
     * {@link #onReset} first (docs/protocol.md, "Ordering").
     */
    void onPublication(Envelope envelope);

    /**
     * Publications were missed (docs/protocol.md, "Reset signal"): the position the subscription
     * asked for was trimmed from history or belongs to a replaced stream, or the server ended the
     * session with {@code 4001 insufficient state} and the resume could not be served. Delivery
     * continues from {@code position}, which is now the subscription's {@link Subscription#lastId()}.
     *
     * @param channel  the channel
     * @param position the id the following publications come after ({@code EPOCH-OFFSET})
     */
    default void onReset(String channel, String position) {
    }

    /** The subscription's connection changed state (see {@link ConnectionState}). */
    default void onStateChange(ConnectionState state) {
    }

    /**
     * A failure: a {@link HeraldClientException} from the server (a refused subscribe, a disconnect
     * with reconnect advice {@code false}: the subscription then ends, {@code CLOSED} follows), a lost
     * connection (a reconnect follows), or an exception thrown by this listener.
     */
    default void onError(Throwable error) {
    }
}
