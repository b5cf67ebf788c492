package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.Disconnect;
import io.herald.core.Payload;
import io.herald.core.Publication;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final Transport transport = new Transport();

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    /**
     * Records each flush with the pushes it carried and when; its executor is a coalescing wrapper
     * around a scheduler, which runs held drains after their delay and counts them.
     */
    private final class Transport implements io.herald.core.hub.Transport {
        final List<List<Long>> flushes = new CopyOnWriteArrayList<>();
        final List<Long> flushNanos = new CopyOnWriteArrayList<>();
        final AtomicInteger coalesced = new AtomicInteger();
        private final List<Long> pending = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "test";
        }

        @Override
        public boolean unidirectional() {
            return true;
        }

        private final CoalescingExecutor executor = new CoalescingExecutor() {
            @Override
            public void execute(Runnable task) {
                loop.execute(task);
            }

            @Override
            public void executeWithin(Runnable task, long delayNanos) {
                coalesced.incrementAndGet();
                loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }
        };

        @Override
        public CoalescingExecutor executor() {
            return executor;
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void write(Push push) {
            pending.add(((Publication) push).offset());
        }

        @Override
        public void flush() {
            flushes.add(List.copyOf(pending));
            flushNanos.add(System.nanoTime());
            pending.clear();
        }

        @Override
        public void close(Disconnect reason) {
        }
    }

    private static Publication pub(long offset) {
        return new Publication("c", offset, "e", "message", Payload.text("m" + offset), 0);
    }


    @Test
    void aPushAfterAQuietSpellIsFlushedAtOnceAndABurstAfterItLeavesInOneWriteWithinTheBudget() {
        Session session = new Session(transport, 1 << 20, TimeUnit.MILLISECONDS.toNanos(BUDGET_MS), new Backlog(), s -> { });
        long first = System.nanoTime();
        session.send(pub(1));
        Await.until(() -> transport.flushes.size() == 1);
        assertThat(transport.coalesced.get()).isZero();
        assertThat(transport.flushes.get(0)).containsExactly(1L);

        long burst = System.nanoTime();
        for (long offset = 2; offset <= 50; offset++) {
            session.send(pub(offset));
        }
        Await.until(() -> transport.flushes.size() == 2);
        assertThat(transport.coalesced.get()).isEqualTo(1);
        // order kept, nothing lost, one write for the whole burst
        assertThat(transport.flushes.get(1)).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(2, 50).boxed().toList());
        // held no longer than the budget after the burst began (plus scheduling slack), and not
        // flushed before the budget since the last flush ran out
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(transport.flushNanos.get(1) - burst);
        assertThat(waitedMs).isLessThanOrEqualTo(BUDGET_MS + 150);
        assertThat(transport.flushNanos.get(1) - first).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(BUDGET_MS) / 2);
    }

    @Test
    void withoutABudgetEveryDrainStartsAtOnce() throws Exception {
        Session session = new Session(transport, 1 << 20, 0, new Backlog(), s -> { });
        for (long offset = 1; offset <= 20; offset++) {
            session.send(pub(offset));
            long o = offset;
            Await.until(() -> transport.flushes.stream().mapToLong(List::size).sum() == o);
        }
        assertThat(transport.coalesced.get()).isZero();
        assertThat(transport.flushes).hasSize(20);
    }

    @Test
    void pushesOverAQuietSpellAreEachFlushedAtOnce() throws Exception {
        Session session = new Session(transport, 1 << 20, TimeUnit.MILLISECONDS.toNanos(20), new Backlog(), s -> { });
        for (long offset = 1; offset <= 3; offset++) {
            session.send(pub(offset));
            long o = offset;
            Await.until(() -> transport.flushes.size() == o);
            Thread.sleep(60);
        }
        assertThat(transport.coalesced.get()).isZero();
    }

    @Test
    void aNegativeBudgetIsRefused() {
        assertThatThrownBy(() -> new Session(transport, 1 << 20, -1, new Backlog(), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coalesceNanos");
    }
}
