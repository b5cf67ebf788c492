package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** {@link Inbox}'s bound, resume and state runs, driven by hand (a manual executor). */
class InboxTest {
    private final List<Runnable> tasks = new ArrayList<>();
    private final Executor manual = tasks::add;
    private final List<String> seen = new ArrayList<>();
    private final SubscriptionListener listener = new SubscriptionListener() {
        @Override
        public void onPublication(Envelope envelope) {
            seen.add(envelope.id());
        }

        @Override
        public void onStateChange(ConnectionState state) {
            seen.add(state.name());
        }
    };

    private static Envelope envelope(long offset) {
        return new Envelope("c", "e-" + offset, offset, "e", "message", null, "", 0);
    }

    private void runTasks() {
        while (!tasks.isEmpty()) {
            tasks.remove(0).run();
        }
    }

    @Test
    void anOfferThatFillsTheQueueKeepsItsResumeUntilTheListenerTakesOne() {
        Inbox inbox = new Inbox("c", 2, manual, listener);
        List<String> resumed = new ArrayList<>();
        assertThat(inbox.offer(envelope(1), () -> resumed.add("1"))).isTrue();
        assertThat(inbox.offer(envelope(2), () -> resumed.add("2"))).isFalse();
        assertThat(resumed).isEmpty();
        assertThat(tasks).hasSize(1);
        runTasks();
        assertThat(resumed).containsExactly("2");
        assertThat(seen).containsExactly("e-1", "e-2");
        assertThat(inbox.highWater()).isEqualTo(2);
    }

    @Test
    void aFailedReconnectCycleWaitingForTheListenerIsDropped() {
        Inbox inbox = new Inbox("c", 2, manual, listener);
        inbox.state(ConnectionState.CONNECTING);
        inbox.state(ConnectionState.CONNECTED);
        runTasks();
        for (int i = 0; i < 100; i++) {
            inbox.state(ConnectionState.DISCONNECTED);
            inbox.state(ConnectionState.CONNECTING);
        }
        inbox.state(ConnectionState.CONNECTED);
        runTasks();
        assertThat(seen).containsExactly("CONNECTING", "CONNECTED", "DISCONNECTED", "CONNECTING", "CONNECTED");
    }

    @Test
    void closeDropsWhatWaitsRunsTheResumeAndReportsClosedOnce() {
        Inbox inbox = new Inbox("c", 1, manual, listener);
        List<String> resumed = new ArrayList<>();
        assertThat(inbox.offer(envelope(1), () -> resumed.add("r"))).isFalse();
        inbox.close();
        inbox.close();
        inbox.state(ConnectionState.CONNECTING);
        assertThat(resumed).containsExactly("r");
        runTasks();
        assertThat(seen).containsExactly("CLOSED");
    }
}
