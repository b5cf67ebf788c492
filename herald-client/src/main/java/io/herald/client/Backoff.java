package io.herald.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: exponential backoff with full jitter. The n-th consecutive attempt (from 0) waits
 * a uniformly random time in {@code [0, min(max, initial * 2^n))}, so that clients cut off together
 * (a restart, a drain, a 4001 spread: docs/protocol.md "Disconnect codes", "Drain") do not come back
 * together. Immutable and thread-safe.
 *
 * @param initial the bound of the first delay (> 0)
 * @param max     the largest bound (>= initial)
 */
record Backoff(Duration initial, Duration max) {
    Backoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("reconnect initial delay: " + initial + " (expected: > 0)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnect max delay: " + max + " (expected: >= the initial delay " + initial + ")");
        }
    }

    /** The bound of attempt {@code attempt} (from 0), in nanoseconds. */
    long boundNanos(int attempt) {
        long bound = initial.toNanos();
        for (int i = 0; i < attempt && bound < max.toNanos(); i++) {
            bound *= 2;
        }
        return Math.min(bound, max.toNanos());
    }

    /** A delay for attempt {@code attempt} (from 0), in nanoseconds. */
    long delayNanos(int attempt) {
        return ThreadLocalRandom.current().nextLong(boundNanos(attempt) + 1);
    }
}
