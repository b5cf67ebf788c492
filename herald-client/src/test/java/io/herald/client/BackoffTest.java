package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void boundsDoubleUpToTheMaximumAndDelaysStayWithinThem() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThat(b.boundNanos(0)).isEqualTo(100_000_000L);
        assertThat(b.boundNanos(1)).isEqualTo(200_000_000L);
        assertThat(b.boundNanos(3)).isEqualTo(800_000_000L);
        assertThat(b.boundNanos(4)).isEqualTo(1_000_000_000L);
        assertThat(b.boundNanos(1000)).isEqualTo(1_000_000_000L);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = b.delayNanos(2);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(max).isLessThanOrEqualTo(400_000_000L).isGreaterThan(300_000_000L);
        assertThat(min).isLessThan(100_000_000L); // full jitter: down to zero, not "half the bound plus noise"
    }

    @Test
    void badBoundsAreRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("expected: > 0");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("expected: >=");
    }
}
