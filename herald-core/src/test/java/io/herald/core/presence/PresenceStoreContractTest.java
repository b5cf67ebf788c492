package io.herald.core.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link PresenceStore} contract; every store (in-memory, Redis) extends this with a factory.
 * {@link #peer} is the store of a second node on the same shared state (the in-memory store has one
 * node: itself).
 */
@Timeout(30)
public abstract class PresenceStoreContractTest {
    protected PresenceStore store;
    protected PresenceStore peer;
    protected final List<PresenceEvent> heard = new CopyOnWriteArrayList<>();
    protected final List<PresenceEvent> peerHeard = new CopyOnWriteArrayList<>();

    /** A fresh store, not started, with empty state (a unique key prefix for shared stores). */
    protected abstract PresenceStore newStore();

    /** A second node's store on {@link #store}'s state, not started; or {@link #store} itself. */
    protected abstract PresenceStore newPeer();

    @BeforeEach
    void startStores() {
        store = newStore();
        store.start(heard::add);
        peer = newPeer();
        if (peer != store) {
            peer.start(peerHeard::add);
        }
    }

    @AfterEach
    void closeStores() {
        if (peer != store) {
            peer.close();
        }
        store.close();
    }

    private List<PresenceEvent> peerEvents() {
        return peer == store ? heard : peerHeard;
    }

    /** Returns once {@code condition} holds; fails the test after 10 s. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aChannelNobodyJoinedHasNoClients() {
        assertThat(store.clients("room").join()).isEmpty();
        assertThat(store.stats("room").join()).isEqualTo(new PresenceStats(0, 0));
    }

    @Test
    void addedClientsAreListedWithTheirUsersInClientIdOrder() {
        store.add("room", new ClientInfo("n1-2", null)).join();
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        assertThat(store.clients("room").join())
                .containsExactly(new ClientInfo("n1-1", "alice"), new ClientInfo("n1-2", null));
        assertThat(store.stats("room").join()).isEqualTo(new PresenceStats(2, 1));
    }

    @Test
    void addingTheSameClientAgainRefreshesItsOneEntry() {
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        assertThat(store.clients("room").join()).containsExactly(new ClientInfo("n1-1", "alice"));
    }

    @Test
    void aRemovedClientIsGoneAndRemovingAnAbsentOneIsHarmless() {
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        store.add("room", new ClientInfo("n1-2", "bob")).join();
        store.remove("room", "n1-1").join();
        store.remove("room", "n1-9").join();
        store.remove("elsewhere", "n1-2").join();
        assertThat(store.clients("room").join()).containsExactly(new ClientInfo("n1-2", "bob"));
        store.remove("room", "n1-2").join();
        assertThat(store.clients("room").join()).isEmpty();
        assertThat(store.stats("room").join()).isEqualTo(new PresenceStats(0, 0));
    }

    @Test
    void usersAreCountedOnceAcrossTheirClients() {
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        store.add("room", new ClientInfo("n1-2", "alice")).join();
        store.add("room", new ClientInfo("n1-3", "bob")).join();
        store.add("room", new ClientInfo("n1-4", null)).join();
        assertThat(store.stats("room").join()).isEqualTo(new PresenceStats(4, 2));
    }

    @Test
    void channelsAreSeparate() {
        store.add("a", new ClientInfo("n1-1", "alice")).join();
        store.add("b", new ClientInfo("n1-2", "bob")).join();
        assertThat(store.clients("a").join()).containsExactly(new ClientInfo("n1-1", "alice"));
        assertThat(store.clients("b").join()).containsExactly(new ClientInfo("n1-2", "bob"));
    }

    @Test
    void entriesAddedOnOneNodeAreSeenOnAnother() {
        store.add("room", new ClientInfo("n1-1", "alice")).join();
        peer.add("room", new ClientInfo("n2-1", "bob")).join();
        assertThat(peer.clients("room").join())
                .containsExactly(new ClientInfo("n1-1", "alice"), new ClientInfo("n2-1", "bob"));
        assertThat(store.stats("room").join()).isEqualTo(new PresenceStats(2, 2));
    }

    @Test
    void eventsReachTheNodesWatchingTheirChannelOnly() {
        peer.watch("watched").join();
        store.announce(new PresenceEvent("unwatched", true, new ClientInfo("n1-1", "alice"))).join();
        store.announce(new PresenceEvent("watched", true, new ClientInfo("n1-2", "bob"))).join();
        store.announce(new PresenceEvent("watched", false, new ClientInfo("n1-2", "bob"))).join();
        await("both events of the watched channel", () -> peerEvents().size() >= 2);
        assertThat(peerEvents()).containsExactly(
                new PresenceEvent("watched", true, new ClientInfo("n1-2", "bob")),
                new PresenceEvent("watched", false, new ClientInfo("n1-2", "bob")));
    }

    @Test
    void anUnwatchedChannelsEventsNoLongerArrive() {
        peer.watch("a").join();
        peer.watch("b").join();
        peer.unwatch("a").join();
        store.announce(new PresenceEvent("a", true, new ClientInfo("n1-1", null))).join();
        store.announce(new PresenceEvent("b", true, new ClientInfo("n1-2", null))).join();
        await("the event of b", () -> !peerEvents().isEmpty());
        assertThat(peerEvents()).containsExactly(new PresenceEvent("b", true, new ClientInfo("n1-2", null)));
    }
}
