package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.Payload;
import io.herald.core.Publication;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SessionCoalescingTest {
    private static final long BUDGET_MS = 200;
    private static final TransportStats.Counts COUNTS = new TransportStats().of("test");

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    /** Counts the drains held for coalescing; a wrapper around a scheduler, as LoopCoalescer is around an event loop. */
    private final ScheduledCoalescer coalescing = new ScheduledCoalescer(loop);
    private final AtomicInteger coalesced = coalescing.held;
    private final RecordingTransport transport = new RecordingTransport(coalescing);

    private static Publication pub(long offset) {
        return new Publication("c", offset, "e", "message", Payload.text("m" + offset), 0);
    }


    @Test
    void aPushAfterAQuietSpellIsFlushedAtOnceAndABurstAfterItLeavesInOneWriteWithinTheBudget() {
        Session session = new Session(transport, 1 << 20, TimeUnit.MILLISECONDS.toNanos(BUDGET_MS), new Backlog(),
                COUNTS, s -> { });
        long first = System.nanoTime();
        session.send(pub(1));
        Await.until(() -> transport.flushed.size() == 1);
        assertThat(coalesced.get()).isZero();
        assertThat(transport.flushed.get(0)).containsExactly(1L);

        long burst = System.nanoTime();
        for (long offset = 2; offset <= 50; offset++) {
            session.send(pub(offset));
        }
        Await.until(() -> transport.flushed.size() == 2);
        assertThat(coalesced.get()).isEqualTo(1);
        // order kept, nothing lost, one write for the whole burst
        assertThat(transport.flushed.get(1)).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(2, 50).boxed().toList());
        // held no longer than the budget after the burst began (plus scheduling slack), and not
        // flushed before the budget since the last flush ran out
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(transport.flushNanos.get(1) - burst);
        assertThat(waitedMs).isLessThanOrEqualTo(BUDGET_MS + 150);
        assertThat(transport.flushNanos.get(1) - first).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(BUDGET_MS) / 2);
    }

    @Test
    void withoutABudgetEveryDrainStartsAtOnce() throws Exception {
        Session session = new Session(transport, 1 << 20, 0, new Backlog(),
                COUNTS, s -> { });
        for (long offset = 1; offset <= 20; offset++) {
            session.send(pub(offset));
            long o = offset;
            Await.until(() -> transport.flushed.stream().mapToLong(List::size).sum() == o);
        }
        assertThat(coalesced.get()).isZero();
        assertThat(transport.flushed).hasSize(20);
    }

    @Test
    void pushesOverAQuietSpellAreEachFlushedAtOnce() throws Exception {
        Session session = new Session(transport, 1 << 20, TimeUnit.MILLISECONDS.toNanos(20), new Backlog(),
                COUNTS, s -> { });
        for (long offset = 1; offset <= 3; offset++) {
            session.send(pub(offset));
            long o = offset;
            Await.until(() -> transport.flushed.size() == o);
            Thread.sleep(60);
        }
        assertThat(coalesced.get()).isZero();
    }

    @Test
    void aNegativeBudgetIsRefused() {
        assertThatThrownBy(() -> new Session(transport, 1 << 20, -1, new Backlog(), COUNTS, s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coalesceNanos");
    }
}
