package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.broker.MemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reset spread (NodeConfig.resetSpread; docs/protocol.md, "Disconnect codes", 4001): the 4001s of a
 * stream lost live are spread over the window, nothing of the new epoch reaches a subscriber before
 * its 4001, and a session that closes meanwhile leaves no task behind.
 */
@Timeout(30)
class ResetSpreadTest {
    private static final Duration SPREAD = Duration.ofMillis(1500);
    private final ExecutorService writer = Executors.newSingleThreadExecutor();
    private final Node node = new Node(NodeConfig.builder().resetSpread(SPREAD).build(), new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
        writer.shutdownNow();
    }

    private List<RecordingTransport> subscribers(String channel, int n) {
        List<RecordingTransport> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RecordingTransport t = new RecordingTransport(writer);
            t.session = node.newSession(t);
            node.subscribe(t.session, channel, null).join();
            all.add(t);
        }
        return all;
    }

    @Test
    void theDisconnectsOfALostStreamAreSpreadOverTheWindowAndNothingNewReachesTheClientsMeanwhile() {
        List<RecordingTransport> subs = subscribers("lost", 200);
        node.publish("lost", null, Payload.text("before")).join();
        Await.until(() -> subs.stream().allMatch(t -> t.offsets().size() == 1));

        long lost = System.nanoTime();
        node.hub().onStreamLost("lost");
        assertThat(node.hub().pendingResets()).as("one task per session at most").isLessThanOrEqualTo(200);
        // the subscriptions stopped at once: what is published meanwhile reaches nobody
        node.publish("lost", null, Payload.text("meanwhile")).join();
        node.hub().onStreamLost("lost"); // a second loss schedules nothing more
        assertThat(node.hub().pendingResets()).isLessThanOrEqualTo(200);

        Await.until(() -> subs.stream().allMatch(t -> t.session.isClosed()));
        assertThat(subs).allSatisfy(t -> {
            assertThat(t.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
            assertThat(t.offsets()).containsExactly(1L);
        });
        long first = subs.stream().mapToLong(t -> t.closedNanos).min().orElseThrow() - lost;
        long last = subs.stream().mapToLong(t -> t.closedNanos).max().orElseThrow() - lost;
        assertThat(TimeUnit.NANOSECONDS.toMillis(last - first)).as("spread of the 4001s (ms)").isGreaterThan(500);
        assertThat(TimeUnit.NANOSECONDS.toMillis(last)).as("last 4001 after the loss (ms)")
                .isLessThan(SPREAD.toMillis() + 1000);
        assertThat(node.hub().pendingResets()).isZero();
    }

    @Test
    void anEpochChangeSeenLiveIsSpreadTooAndItsPublicationIsNotForwarded() {
        List<RecordingTransport> subs = subscribers("e", 50);
        Publication p = node.publish("e", null, Payload.text("before")).join();
        Await.until(() -> subs.stream().allMatch(t -> t.offsets().size() == 1));

        // as a broker whose store restarted: the next publication is of another epoch
        node.hub().onPublication(new Publication("e", 1, p.epoch() + "x", "message", Payload.text("new"), 0));
        assertThat(subs).allSatisfy(t -> assertThat(t.offsets()).containsExactly(1L));
        Await.until(() -> subs.stream().allMatch(t -> t.session.isClosed()));
        assertThat(subs).allSatisfy(t -> {
            assertThat(t.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
            assertThat(t.offsets()).containsExactly(1L);
        });
    }

    @Test
    void aSessionThatClosesWhileItsResetWaitsLeavesNoTask() {
        List<RecordingTransport> subs = subscribers("gone", 20);
        Node slow = new Node(NodeConfig.builder().resetSpread(Duration.ofMinutes(5)).build(), new MemoryBroker());
        try {
            List<RecordingTransport> waiting = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RecordingTransport t = new RecordingTransport(writer);
                t.session = slow.newSession(t);
                slow.subscribe(t.session, "gone", null).join();
                waiting.add(t);
            }
            slow.hub().onStreamLost("gone");
            assertThat(slow.hub().pendingResets()).isEqualTo(20);
            assertThat(waiting).allSatisfy(t -> assertThat(t.session.hasPendingReset()).isTrue());
            for (RecordingTransport t : waiting) {
                t.session.onClosed(); // the client went away first
            }
            assertThat(slow.hub().pendingResets()).as("tasks left after their sessions closed").isZero();
            assertThat(waiting).allSatisfy(t -> assertThat(t.closedWith).isNull());
        } finally {
            slow.close();
        }
        assertThat(subs).allSatisfy(t -> assertThat(t.session.isClosed()).isFalse());
    }
}
