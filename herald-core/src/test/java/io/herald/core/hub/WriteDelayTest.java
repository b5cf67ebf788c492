package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.broker.MemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The write delay per namespace (docs/protocol.md, "Write delay"): each publication is held at most
 * its own namespace's budget, also on a session whose other channels have a longer one.
 */
@Timeout(30)
class WriteDelayTest {
    private static final long SLOW_MS = 400;

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final ScheduledCoalescer coalescing = new ScheduledCoalescer(loop);
    private final AtomicInteger held = coalescing.held;
    private final Node node = new Node(NodeConfig.builder()
            .namespace("slow", NamespaceOptions.builder().writeDelay(Duration.ofMillis(SLOW_MS)).build())
            .namespace("fast", NamespaceOptions.builder().writeDelay(Duration.ZERO).build())
            .build(), new MemoryBroker());

    @AfterEach
    void stop() {
        node.close();
        loop.shutdownNow();
    }

    private RecordingTransport subscribed(String... channels) {
        RecordingTransport t = new RecordingTransport(coalescing);
        t.session = node.newSession(t);
        for (String channel : channels) {
            node.subscribe(t.session, channel, null).join();
        }
        Await.until(() -> t.written.size() == channels.length);
        return t;
    }

    @Test
    void aPublicationOfAFastNamespaceHurriesADrainHeldForASlowOne() {
        RecordingTransport t = subscribed("slow:a", "fast:b");
        Publication first = node.publish("slow:a", null, Payload.text("1")).join();
        Await.until(() -> t.offsets().size() == 1); // held after the subscribe notices' flush, or at once
        int flushes = t.flushNanos.size();
        held.set(0);

        node.publish("slow:a", null, Payload.text("2")).join(); // within the budget of the last flush: held
        long fastAt = System.nanoTime();
        Publication fast = node.publish("fast:b", null, Payload.text("now")).join();

        Await.until(() -> t.flushNanos.size() > flushes);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(t.flushNanos.get(flushes) - fastAt);
        // the fast one did not wait for the slow budget, and took the held slow one with it in one write
        assertThat(tookMs).isLessThan(SLOW_MS / 2);
        assertThat(t.flushed.get(flushes)).containsExactly(2L, fast.offset());
        assertThat(held.get()).isEqualTo(1);
        assertThat(t.written.stream().filter(p -> p instanceof Publication).map(p -> ((Publication) p).channel()).toList())
                .containsExactly("slow:a", "slow:a", "fast:b");
        assertThat(first.offset()).isEqualTo(1);
    }

    @Test
    void aSlowNamespaceBatchesWithinItsBudgetAndAFastOneWritesEachAtOnce() {
        RecordingTransport slow = subscribed("slow:a");
        RecordingTransport fast = subscribed("fast:b");
        node.publish("slow:a", null, Payload.text("s0")).join();
        node.publish("fast:b", null, Payload.text("f0")).join();
        Await.until(() -> slow.offsets().size() == 1 && fast.flushed.stream().mapToInt(List::size).sum() == 1);
        for (int i = 1; i < 5; i++) {
            node.publish("slow:a", null, Payload.text("s" + i)).join();
            node.publish("fast:b", null, Payload.text("f" + i)).join();
            int n = i + 1;
            Await.until(() -> fast.flushed.stream().mapToInt(List::size).sum() == n);
        }
        Await.until(() -> slow.flushed.stream().mapToInt(List::size).sum() == 5);
        // slow: the first at once, the four others in one write within the budget; fast: five writes
        assertThat(slow.flushed.stream().filter(f -> !f.isEmpty()).map(List::size).toList()).containsExactly(1, 4);
        assertThat(fast.flushed.stream().filter(f -> !f.isEmpty()).map(List::size).toList()).containsExactly(1, 1, 1, 1, 1);
        long slowWaitMs = TimeUnit.NANOSECONDS.toMillis(slow.flushNanos.get(slow.flushNanos.size() - 1)
                - slow.flushNanos.get(slow.flushNanos.size() - 2));
        assertThat(slowWaitMs).isLessThanOrEqualTo(SLOW_MS + 200);
    }
}
