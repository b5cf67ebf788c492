package io.herald.server.edge;

/**
 * A token bucket: {@code rate} tokens a second on average, up to {@code burst} at once. Kept as the
 * one time at which the bucket would be full again (the generic cell rate algorithm, ITU-T I.371),
 * so a bucket is one {@code long} and taking a token is a comparison and an addition.
 *
 * <p>Not thread-safe: confine a bucket to one event loop (per connection), or guard it (per client
 * address, {@link PerIpLimits} updates it inside {@code ConcurrentHashMap.compute}).
 */
public final class TokenBucket {
    private final long interval;
    private final long tolerance;
    /** When the bucket would be full again, in {@link System#nanoTime()} units; in the past when it is full. */
    private long fullAt;

    /**
     * @param rate  tokens per second, at least 1
     * @param burst tokens available at once, at least 1
     * @param now   the current {@link System#nanoTime()}: the bucket starts full
     * @throws IllegalArgumentException for a rate or burst below 1
     */
    public TokenBucket(int rate, int burst, long now) {
        if (rate < 1 || burst < 1) {
            throw new IllegalArgumentException("rate " + rate + ", burst " + burst + " (expected: both >= 1)");
        }
        this.interval = 1_000_000_000L / rate;
        this.tolerance = interval * (burst - 1L);
        this.fullAt = now;
    }

    /** Takes one token if there is one, at {@code now} ({@link System#nanoTime()}). */
    public boolean tryTake(long now) {
        long start = Math.max(fullAt, now);
        if (start - now > tolerance) {
            return false;
        }
        fullAt = start + interval;
        return true;
    }

    /** Nanoseconds from {@code now} until a token is available; 0 when one is. */
    public long nanosUntilToken(long now) {
        return Math.max(0, Math.max(fullAt, now) - now - tolerance);
    }

    /** Whether the bucket is full at {@code now}: forgetting it would change nothing. */
    public boolean full(long now) {
        return fullAt <= now;
    }
}
