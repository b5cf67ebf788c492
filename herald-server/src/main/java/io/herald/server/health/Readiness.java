package io.herald.server.health;

import io.herald.core.Node;
import io.herald.core.broker.BrokerHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Whether the server should be sent new clients: what {@code GET /health/ready} answers
 * (docs/protocol.md, "Health"). Ready means the server is in {@link State#READY} and its broker says
 * it is up; otherwise the reasons say why: {@code starting}, {@code draining}, {@code stopped},
 * {@code broker_unreachable}.
 *
 * <p>The lifecycle moves one way, {@code STARTING → READY → DRAINING → STOPPED} (a server that
 * stops without being ready skips states); the broker is asked on every {@link #check()}, with a
 * bound on the wait ({@link #BROKER_TIMEOUT}). Thread-safe.
 */
public final class Readiness {
    /** How long {@link #check()} waits for the broker's answer before counting it unreachable. */
    public static final Duration BROKER_TIMEOUT = Duration.ofSeconds(2);

    /** The server's lifecycle, as readiness sees it. */
    public enum State {
        /** Created, not yet listening. */
        STARTING,
        /** Listening and serving. */
        READY,
        /** Told to stop: still serving its clients, but new ones should go elsewhere. */
        DRAINING,
        /** Stopped. */
        STOPPED
    }

    /**
     * What {@link #check()} found.
     *
     * @param ready   whether the server should be sent new clients
     * @param reasons why not, in a stable vocabulary ({@code starting}, {@code draining},
     *                {@code stopped}, {@code broker_unreachable}); empty when ready
     * @param broker  the broker's words when it is down, else null
     */
    public record Report(boolean ready, List<String> reasons, String broker) {
        public Report {
            reasons = List.copyOf(reasons);
        }
    }

    private final Node node;
    private volatile State state = State.STARTING;

    /** @param node the node whose broker is asked */
    public Readiness(Node node) {
        this.node = node;
    }

    /** The lifecycle state now. */
    public State state() {
        return state;
    }

    /** Moves to {@link State#READY} from {@link State#STARTING}; from a later state it does nothing. */
    public synchronized void ready() {
        if (state == State.STARTING) {
            state = State.READY;
        }
    }

    /** Moves to {@link State#DRAINING} unless stopped already. */
    public synchronized void draining() {
        if (state != State.STOPPED) {
            state = State.DRAINING;
        }
    }

    /** Moves to {@link State#STOPPED}. */
    public synchronized void stopped() {
        state = State.STOPPED;
    }

    /**
     * Checks the lifecycle and asks the broker. Never fails; completes within about
     * {@link #BROKER_TIMEOUT}.
     */
    public CompletableFuture<Report> check() {
        State now = state;
        return node.brokerHealth(BROKER_TIMEOUT).thenApply(broker -> report(now, broker));
    }

    private static Report report(State state, BrokerHealth broker) {
        List<String> reasons = new ArrayList<>(2);
        if (state != State.READY) {
            reasons.add(state.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (!broker.up()) {
            reasons.add("broker_unreachable");
        }
        return new Report(reasons.isEmpty(), reasons, broker.up() ? null : broker.detail());
    }
}
