package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** At most the permits in flight, the rest started in order as earlier ones end, without recursion. */
class LimiterTest {
    @Test
    void runsAtMostThePermitsAtOnceAndTheRestInOrder() {
        Limiter limiter = new Limiter(3);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            results.add(limiter.run(() -> {
                order.add(n);
                CompletableFuture<Integer> f = new CompletableFuture<>();
                started.add(f);
                return f;
            }));
        }
        assertThat(started).hasSize(3);
        assertThat(limiter.waiting()).isEqualTo(7);
        started.get(1).complete(1);
        assertThat(results.get(1).join()).isEqualTo(1);
        assertThat(started).hasSize(4);
        started.get(0).completeExceptionally(new IllegalStateException("down"));
        assertThat(results.get(0)).isCompletedExceptionally();
        assertThat(started).hasSize(5);
        for (int i = 2; i < 10; i++) {
            started.get(i).complete(i);
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(results).allSatisfy(f -> assertThat(f).isDone());
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void operationsThatCompleteAtOnceDoNotRecurse() {
        Limiter limiter = new Limiter(1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        limiter.run(() -> gate);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 100_000; i++) { // e.g. reads failing at once while Redis is down
            limiter.run(() -> {
                ran.incrementAndGet();
                return CompletableFuture.failedFuture(new IllegalStateException("down"));
            });
        }
        assertThat(ran).hasValue(0);
        gate.complete(null); // a recursive drain would overflow the stack here
        assertThat(ran).hasValue(100_000);
        assertThat(limiter.waiting()).isZero();
    }
}
