package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Waiting in tests for what other threads do: spins until a condition holds, failing after 10 s. */
final class Await {
    private Await() {
    }

    /** Returns once {@code condition} holds; fails the test when it does not within 10 s. */
    static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
