package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** At most one operation per key at a time; callers during a run share the next run, never an older one. */
class SingleFlightTest {
    private final SingleFlight<String, Integer> flights = new SingleFlight<>();
    private final List<CompletableFuture<Integer>> runs = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();

    private CompletableFuture<Integer> call(String key) {
        return flights.run(key, () -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            CompletableFuture<Integer> run = new CompletableFuture<>();
            int number = runs.size() + 1;
            runs.add(run);
            return run.thenApply(v -> {
                running.decrementAndGet();
                return number;
            });
        });
    }

    private void finish(int run) {
        runs.get(run - 1).complete(0);
    }

    @Test
    void callersDuringARunShareTheNextRunWhichStartsWhenItEnds() {
        CompletableFuture<Integer> first = call("k");
        List<CompletableFuture<Integer>> herd = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            herd.add(call("k"));
        }
        assertThat(runs).hasSize(1);
        finish(1);
        assertThat(first.join()).isEqualTo(1);
        assertThat(runs).hasSize(2); // the herd's single run, started after the first ended
        assertThat(herd).noneMatch(CompletableFuture::isDone);
        CompletableFuture<Integer> late = call("k");
        finish(2);
        assertThat(herd).allSatisfy(f -> assertThat(f.join()).isEqualTo(2));
        assertThat(late.isDone()).isFalse();
        finish(3);
        assertThat(late.join()).isEqualTo(3);
        assertThat(maxRunning).hasValue(1);
        assertThat(flights.inFlight()).isZero();
    }

    @Test
    void otherKeysRunAtOnceAndAFailureReachesItsCallersOnly() {
        CompletableFuture<Integer> a = call("a");
        CompletableFuture<Integer> b = call("b");
        assertThat(runs).hasSize(2);
        CompletableFuture<Integer> a2 = call("a");
        runs.get(0).completeExceptionally(new IllegalStateException("down"));
        assertThat(a).isCompletedExceptionally();
        assertThat(runs).hasSize(3);
        finish(3);
        assertThat(a2.join()).isEqualTo(3);
        finish(2);
        assertThat(b.join()).isEqualTo(2);
        assertThat(flights.inFlight()).isZero();
    }
}
