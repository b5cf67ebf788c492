package io.herald.bench;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the epoch that never goes backwards: read once from
 * {@link Instant#now()} and then advanced by {@link System#nanoTime()}. Within one process the
 * differences are exact to the microsecond; between processes on one machine they agree to the
 * precision of {@code Instant.now()} (microseconds on Linux). Thread-safe.
 */
public final class MicroClock {
    private final long anchorMicros;
    private final long anchorNanos;

    /** A clock anchored now. */
    public MicroClock() {
        Instant now = Instant.now();
        this.anchorNanos = System.nanoTime();
        this.anchorMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Microseconds since 1970-01-01T00:00Z. */
    public long nowMicros() {
        return anchorMicros + (System.nanoTime() - anchorNanos) / 1_000;
    }
}
