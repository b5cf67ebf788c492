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
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
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
        List<RecordingTransport> onA = subscribe(loopA, 300);
        List<RecordingTransport> onB = subscribe(loopB, 5);
        loopA.tasks.set(0);
        loopB.tasks.set(0);

        Publication p = node.publish("fan", null, Payload.text("x")).join();

        Await.until(() -> onA.stream().allMatch(t -> t.offsets().contains(p.offset()))
                && onB.stream().allMatch(t -> t.offsets().contains(p.offset())));
        // 300 sessions in chunks of 128: 3 tasks; 5 sessions: 1 task
        assertThat(loopA.tasks.get()).isEqualTo((300 + DrainBatch.CHUNK - 1) / DrainBatch.CHUNK);
        assertThat(loopB.tasks.get()).isEqualTo(1);
        assertThat(onA).allSatisfy(t -> assertThat(t.offsets()).containsExactly(p.offset()));
    }

    @Test
    void aSessionWhoseWriteFailsIsDisconnectedAndTheOthersOfItsChunkStillReceive() {
        List<RecordingTransport> all = subscribe(loopA, 10);
        all.get(3).failWrites = true;

        Publication p = node.publish("fan", null, Payload.text("x")).join();

        Await.until(() -> all.get(3).closedWith != null);
        assertThat(all.get(3).closedWith).isEqualTo(Disconnect.SERVER_ERROR);
        Await.until(() -> all.stream().filter(t -> t != all.get(3)).allMatch(t -> t.offsets().contains(p.offset())));
    }

    @Test
    void aSessionStillDrainingTakesItsNextPublicationsWithoutANewTask() {
        List<RecordingTransport> one = subscribe(loopA, 1);
        RecordingTransport t = one.get(0);
        t.writable = false; // the first drain writes nothing and leaves the push queued
        node.publish("fan", null, Payload.text("1")).join();
        Await.until(() -> loopA.tasks.get() > 0 && loopA.idle());
        node.publish("fan", null, Payload.text("2")).join();
        t.writable = true;
        loopA.execute(() -> t.session.onWritable());

        Await.until(() -> t.offsets().size() == 2);
        assertThat(t.offsets()).containsExactly(1L, 2L);
    }

    @Test
    void aPushHandedOverDirectlyIsCountedInTheBacklogUntilWrittenOrDroppedOnClose() {
        List<RecordingTransport> two = subscribe(loopA, 2);
        Await.until(() -> node.backlog() == 0);
        two.forEach(t -> t.writable = false);
        node.publish("fan", null, Payload.text("1")).join();
        node.publish("fan", null, Payload.text("2")).join();
        Await.until(() -> loopA.idle());
        assertThat(node.backlog()).isEqualTo(4);

        RecordingTransport written = two.get(0);
        written.writable = true;
        loopA.execute(() -> written.session.onWritable());
        RecordingTransport dropped = two.get(1);
        loopA.execute(() -> dropped.session.onClosed());

        // one session writes both, the other's queue and direct push are dropped with it
        Await.until(() -> written.offsets().size() == 2 && node.backlog() == 0);
        assertThat(written.offsets()).containsExactly(1L, 2L);
        assertThat(dropped.offsets()).isEmpty();
    }

    private List<RecordingTransport> subscribe(CountingExecutor loop, int count) {
        List<RecordingTransport> transports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordingTransport t = new RecordingTransport(loop);
            t.session = node.newSession(t);
            node.subscribe(t.session, "fan", null).join();
            transports.add(t);
        }
        Await.until(() -> transports.stream().allMatch(t -> !t.written.isEmpty()));
        return transports;
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
}
