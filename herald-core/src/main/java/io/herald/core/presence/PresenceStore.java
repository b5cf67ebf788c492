package io.herald.core.presence;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Who is subscribed to which channel, shared by every node of a deployment, and the carriage of
 * join and leave events between them (docs/protocol.md, "Presence"). Reached through
 * {@link io.herald.core.broker.Broker#presence()}, so a deployment's presence lives where its
 * streams do: in this process for the in-memory broker, in Redis for the Redis broker.
 *
 * <p>The contract, which every implementation passes as the abstract {@code PresenceStoreContractTest}:
 * <ul>
 *   <li>{@link #add} puts a client's entry into a channel's presence, or refreshes it (the same
 *       client id is one entry); {@link #remove} takes it out. Each node adds and removes only the
 *       entries of its own sessions.</li>
 *   <li>{@link #clients} and {@link #stats} see the entries of every node; a store shared between
 *       nodes expires the entries of a node that stopped refreshing them (it died) after its TTL.</li>
 *   <li>{@link #announce} hands a join or leave event to the {@link PresenceListener} of every node
 *       that {@link #watch watches} the event's channel, this node included.</li>
 * </ul>
 *
 * <p>Methods are thread-safe and never block the caller; futures fail with
 * {@link io.herald.core.HeraldException} ({@code broker_unavailable}) when the store cannot answer.
 */
public interface PresenceStore extends AutoCloseable {

    /** Starts delivering the join and leave events of watched channels to {@code listener}; called once, first. */
    void start(PresenceListener listener);

    /** Adds {@code client}'s entry to {@code channel}'s presence, or refreshes it. */
    CompletableFuture<Void> add(String channel, ClientInfo client);

    /** Removes the entry of the client {@code clientId} from {@code channel}'s presence; nothing when absent. */
    CompletableFuture<Void> remove(String channel, String clientId);

    /** The entries of {@code channel}, across nodes, ordered by client id; empty when nobody is there. */
    CompletableFuture<List<ClientInfo>> clients(String channel);

    /** The counts of {@code channel}'s presence. */
    CompletableFuture<PresenceStats> stats(String channel);

    /**
     * Starts receiving the join and leave events of {@code channel}; completes once events announced
     * afterwards are certain to arrive. Calls are balanced by the hub, as for the broker's subscribe.
     */
    CompletableFuture<Void> watch(String channel);

    /** Stops receiving the events of {@code channel}. */
    CompletableFuture<Void> unwatch(String channel);

    /** Hands {@code event} to every node watching its channel (none is stored). */
    CompletableFuture<Void> announce(PresenceEvent event);

    /** Releases the store's resources; idempotent. A shared store's entries of this node then expire. */
    @Override
    void close();
}
