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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fan-out hands its drains to each executor in chunks: one task per chunk, every session served. */
@Timeout(30)
class DrainBatchTest {
    private final Node node = new Node(NodeConfig.builder().coalesce(Duration.ZERO).build(), new MemoryBroker());
    private final CountingExecutor loopA = new CountingExecutor();
    private final CountingExecutor loopB = new CountingExecutor();

    @AfterEach
    void close() {
        node.close();
        loopA.thread.shutdownNow();
        loopB.thread.shutdownNow();
    }

    @Test
    void oneTaskPerChunkOfSessionsPerExecutorAndEverySessionReceives() {
        List<LoopTransport> onA = subscribe(loopA, 300);
        List<LoopTransport> onB = subscribe(loopB, 5);
        loopA.tasks.set(0);
        loopB.tasks.set(0);

        Publication p = node.publish("fan", null, Payload.text("x")).join();

        await(() -> onA.stream().allMatch(t -> t.offsets().contains(p.offset()))
                && onB.stream().allMatch(t -> t.offsets().contains(p.offset())));
        // 300 sessions in chunks of 128: 3 tasks; 5 sessions: 1 task
        assertThat(loopA.tasks.get()).isEqualTo((300 + DrainBatch.CHUNK - 1) / DrainBatch.CHUNK);
        assertThat(loopB.tasks.get()).isEqualTo(1);
        assertThat(onA).allSatisfy(t -> assertThat(t.offsets()).containsExactly(p.offset()));
    }

    @Test
    void aSessionWhoseWriteFailsIsDisconnectedAndTheOthersOfItsChunkStillReceive() {
        List<LoopTransport> all = subscribe(loopA, 10);
        all.get(3).failWrites = true;

        Publication p = node.publish("fan", null, Payload.text("x")).join();

        await(() -> all.get(3).closedWith != null);
        assertThat(all.get(3).closedWith).isEqualTo(Disconnect.SERVER_ERROR);
        await(() -> all.stream().filter(t -> t != all.get(3)).allMatch(t -> t.offsets().contains(p.offset())));
    }

    @Test
    void aSessionStillDrainingTakesItsNextPublicationsWithoutANewTask() {
        List<LoopTransport> one = subscribe(loopA, 1);
        LoopTransport t = one.get(0);
        t.writable = false; // the first drain writes nothing and leaves the push queued
        node.publish("fan", null, Payload.text("1")).join();
        await(() -> loopA.tasks.get() > 0 && loopA.idle());
        node.publish("fan", null, Payload.text("2")).join();
        t.writable = true;
        loopA.execute(() -> t.session.onWritable());

        await(() -> t.offsets().size() == 2);
        assertThat(t.offsets()).containsExactly(1L, 2L);
    }

    @Test
    void aPushHandedOverDirectlyIsCountedInTheBacklogUntilWrittenOrDroppedOnClose() {
        List<LoopTransport> two = subscribe(loopA, 2);
        await(() -> node.backlog() == 0);
        two.forEach(t -> t.writable = false);
        node.publish("fan", null, Payload.text("1")).join();
        node.publish("fan", null, Payload.text("2")).join();
        await(() -> loopA.idle());
        assertThat(node.backlog()).isEqualTo(4);

        LoopTransport written = two.get(0);
        written.writable = true;
        loopA.execute(() -> written.session.onWritable());
        LoopTransport dropped = two.get(1);
        loopA.execute(() -> dropped.session.onClosed());

        // one session writes both, the other's queue and direct push are dropped with it
        await(() -> written.offsets().size() == 2 && node.backlog() == 0);
        assertThat(written.offsets()).containsExactly(1L, 2L);
        assertThat(dropped.offsets()).isEmpty();
    }

    private List<LoopTransport> subscribe(CountingExecutor loop, int count) {
        List<LoopTransport> transports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            LoopTransport t = new LoopTransport(loop);
            t.session = node.newSession(t);
            node.subscribe(t.session, "fan", null, null).join();
            transports.add(t);
        }
        await(() -> transports.stream().allMatch(t -> !t.written.isEmpty()));
        return transports;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /** A single-thread executor standing for an event loop, counting the tasks it is given. */
    private static final class CountingExecutor implements Executor {
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final AtomicInteger tasks = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            tasks.incrementAndGet();
            running.incrementAndGet();
            thread.execute(() -> {
                try {
                    task.run();
                } finally {
                    running.decrementAndGet();
                }
            });
        }

        boolean idle() {
            return running.get() == 0;
        }
    }

    /** A transport on a shared executor, recording what it is given. */
    private static final class LoopTransport implements Transport {
        final CountingExecutor loop;
        final List<Push> written = new CopyOnWriteArrayList<>();
        volatile boolean writable = true;
        volatile boolean failWrites;
        volatile Disconnect closedWith;
        Session session;

        LoopTransport(CountingExecutor loop) {
            this.loop = loop;
        }

        @Override
        public String name() {
            return "loop";
        }

        @Override
        public boolean unidirectional() {
            return true;
        }

        @Override
        public Executor executor() {
            return loop;
        }

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public void write(Push push) {
            if (failWrites && push instanceof Publication) {
                throw new IllegalStateException("this connection cannot encode");
            }
            written.add(push);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(Disconnect reason) {
            closedWith = reason;
            loop.thread.execute(() -> session.onClosed());
        }

        List<Long> offsets() {
            return written.stream().filter(p -> p instanceof Publication).map(p -> ((Publication) p).offset()).toList();
        }
    }
}
