package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-thread lanes of {@link Deliveries}, recorded from several Netty event loops at once. */
class DeliveriesTest {

    @Test
    @Timeout(30)
    void lanesOfSeveralEventLoopsAddUpAndOnlyTheWindowIsTimed() throws Exception {
        Deliveries deliveries = new Deliveries(new MicroClock());
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(3, LocalIoHandler.newFactory());
        try {
            List<EventLoop> loops = new ArrayList<>();
            group.forEach(e -> loops.add((EventLoop) e));
            // before the window: counted as distinct, not timed
            recordOnEach(loops, deliveries, 1_000, 100);
            deliveries.startWindow();
            // inside: each loop records 5,000 deliveries of 250 µs while the window is switched on
            recordOnEach(loops, deliveries, 5_000, 250);
            Histogram latency = deliveries.endWindow();
            recordOnEach(loops, deliveries, 1_000, 100);

            assertThat(latency.getTotalCount()).isEqualTo(3 * 5_000);
            assertThat(deliveries.windowDeliveries()).isEqualTo(3 * 5_000);
            assertThat(latency.getMinValue()).isEqualTo(250);
            assertThat(latency.getMaxValue()).isEqualTo(250);
            assertThat(deliveries.distinct()).isEqualTo(3 * 7_000);

            // a second window starts empty
            deliveries.startWindow();
            recordOnEach(loops, deliveries, 10, 7);
            assertThat(deliveries.endWindow().getTotalCount()).isEqualTo(30);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    @Timeout(30)
    void theWindowEndsWhileLoopsKeepRecording() throws Exception {
        Deliveries deliveries = new Deliveries(new MicroClock());
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
        try {
            deliveries.startWindow();
            List<Future<?>> busy = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            group.forEach(loop -> busy.add(loop.submit(() -> keepRecording(loop, deliveries, deadline))));
            Thread.sleep(100);
            Histogram latency = deliveries.endWindow();
            for (Future<?> f : busy) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertThat(latency.getTotalCount()).isPositive().isEqualTo(deliveries.windowDeliveries())
                    .isLessThan(deliveries.distinct());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Records in slices of 100, rescheduling itself, so that tasks of the window can run in between. */
    private static void keepRecording(EventExecutor loop, Deliveries deliveries, long deadline) {
        for (int i = 0; i < 100; i++) {
            deliveries.recordDistinct(0, 10);
        }
        if (System.nanoTime() < deadline) {
            loop.execute(() -> keepRecording(loop, deliveries, deadline));
        }
    }

    private static void recordOnEach(List<EventLoop> loops, Deliveries deliveries, int count, long latencyMicros)
            throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (EventLoop loop : loops) {
            done.add(loop.submit(() -> {
                for (int i = 0; i < count; i++) {
                    deliveries.recordDistinct(1_000_000, 1_000_000 + latencyMicros);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(10, TimeUnit.SECONDS);
        }
    }
}
