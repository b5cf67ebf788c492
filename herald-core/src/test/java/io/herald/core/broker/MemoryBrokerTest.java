package io.herald.core.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBrokerTest extends BrokerContractTest {
    @Override
    protected Broker newBroker() {
        return new MemoryBroker();
    }

    @Test
    void epochsDifferAcrossBrokerLives() {
        String first = publish("a", "x").epoch();
        MemoryBroker other = new MemoryBroker();
        String second = other.publish("a", "message", Payload.text("x"), OPTIONS).join().epoch();
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void expireDropsAgedPublicationsWithoutTraffic() {
        AtomicLong now = new AtomicLong(1_000_000);
        MemoryBroker clocked = new MemoryBroker(now::get);
        NamespaceOptions minute = NamespaceOptions.builder().historyAge(Duration.ofMinutes(1)).build();
        clocked.publish("a", "message", Payload.text("x"), minute).join();
        now.addAndGet(61_000);
        assertThat(clocked.expire()).isEqualTo(1);
        assertThat(clocked.history("a", null, 10, minute).join().publications()).isEmpty();
    }

    @Test
    void unusedEmptyStreamsAreDroppedAndComeBackWithANewEpoch() {
        AtomicLong now = new AtomicLong(1_000_000);
        MemoryBroker clocked = new MemoryBroker(now::get);
        NamespaceOptions minute = NamespaceOptions.builder().historyAge(Duration.ofMinutes(1)).build();
        Publication before = clocked.publish("a", "message", Payload.text("x"), minute).join();
        now.addAndGet(MemoryBroker.STREAM_TTL_MS / 2);
        clocked.expire();
        assertThat(clocked.streamCount()).as("history expired, stream kept while recently used").isEqualTo(1);
        now.addAndGet(MemoryBroker.STREAM_TTL_MS);
        clocked.expire();
        assertThat(clocked.streamCount()).isZero();
        HistoryResult fresh = clocked.history("a", null, 10, minute).join();
        assertThat(fresh.top().epoch()).isNotEqualTo(before.epoch());
        assertThat(fresh.recoverable(before.position())).as("an old position is a reset, not silently served").isFalse();
    }
}
