package io.herald.core.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link Broker} contract; every broker (in-memory, Redis) extends this with a factory.
 */
@Timeout(30)
public abstract class BrokerContractTest {
    protected static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(100).build();

    protected Broker broker;
    protected final List<Publication> delivered = new CopyOnWriteArrayList<>();

    /** A fresh broker, not started, with empty state (a unique key prefix for shared stores). */
    protected abstract Broker newBroker();

    @BeforeEach
    void startBroker() {
        broker = newBroker();
        broker.start(delivered::add);
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    protected Publication publish(String channel, String text) {
        return broker.publish(channel, "message", Payload.text(text), OPTIONS).join();
    }

    @Test
    void aStartedBrokerIsHealthy() throws Exception {
        assertThat(broker.health().get(5, TimeUnit.SECONDS)).isEqualTo(BrokerHealth.UP);
    }

    @Test
    void offsetsStartAtOneAndGrowByOnePerChannel() {
        assertThat(publish("a", "1").offset()).isEqualTo(1);
        assertThat(publish("a", "2").offset()).isEqualTo(2);
        assertThat(publish("b", "1").offset()).isEqualTo(1);
        assertThat(publish("a", "3").offset()).isEqualTo(3);
    }

    private Publication publishKeyed(String channel, String text, String key) {
        return broker.publish(channel, "message", Payload.text(text), OPTIONS, key).join();
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyAnswersTheEarlierPublicationAndStoresNothing() throws Exception {
        broker.subscribe("a").join();
        Publication first = publishKeyed("a", "1", "req-1");
        Publication retry = publishKeyed("a", "1 again", "req-1");
        assertThat(retry.position()).isEqualTo(first.position());
        assertThat(retry.time()).isEqualTo(first.time());
        Publication other = publishKeyed("a", "2", "req-2");
        Publication plain = publish("a", "3");
        assertThat(other.offset()).isEqualTo(2);
        assertThat(plain.offset()).isEqualTo(3);
        assertThat(broker.history("a", null, 10, OPTIONS).join().publications())
                .extracting(p -> p.data().text()).containsExactly("1", "2", "3");
        assertThat(publishKeyed("a", "2 again", "req-2").position()).isEqualTo(other.position());
        // A duplicate delivery would come before the next publication (one channel, in order).
        publish("a", "4");
        awaitDelivered(4);
        assertThat(delivered).extracting(Publication::offset).containsExactly(1L, 2L, 3L, 4L);
        // Keys are per channel: the same key elsewhere is a new publication.
        assertThat(publishKeyed("b", "1", "req-1").offset()).isEqualTo(1);
    }

    @Test
    void aPublicationsConflationKeyIsStoredInHistoryAndDelivered() {
        broker.subscribe("a").join();
        Publication keyed = broker.publish("a", "quote", Payload.json("{\"p\":1.5}"), OPTIONS, null, "AAPL").join();
        Publication plain = publish("a", "no key");
        Publication both = broker.publish("a", "message", Payload.binary(new byte[] {'K', 1, 2}), OPTIONS, "req-k", "x.y:z@w-_").join();
        assertThat(keyed.key()).isEqualTo("AAPL");
        assertThat(plain.key()).isNull();
        assertThat(both.key()).isEqualTo("x.y:z@w-_");
        assertThat(broker.history("a", null, 10, OPTIONS).join().publications())
                .extracting(Publication::key, Publication::event, p -> p.data().kind())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("AAPL", "quote", Payload.Kind.JSON),
                        org.assertj.core.groups.Tuple.tuple(null, "message", Payload.Kind.TEXT),
                        org.assertj.core.groups.Tuple.tuple("x.y:z@w-_", "message", Payload.Kind.BINARY));
        awaitDelivered(3);
        assertThat(delivered).extracting(Publication::key).containsExactly("AAPL", null, "x.y:z@w-_");
        assertThat(delivered.get(0).data()).isEqualTo(Payload.json("{\"p\":1.5}"));
        assertThat(delivered.get(2).data().bytes()).containsExactly(new byte[] {'K', 1, 2});
        assertThat(delivered).allSatisfy(p -> assertThat(p.conflated()).isZero());
    }

    @Test
    void oneEpochPerStream() {
        Publication first = publish("a", "1");
        Publication second = publish("a", "2");
        assertThat(first.epoch()).isNotEmpty().isEqualTo(second.epoch());
        assertThat(first.epoch()).matches("[a-z0-9]{1,32}");
    }

    @Test
    void publicationCarriesWhatWasPublished() {
        Payload json = Payload.json("{\"x\":1}");
        long before = System.currentTimeMillis();
        Publication p = broker.publish("a", "userlogin", json, OPTIONS).join();
        assertThat(p.channel()).isEqualTo("a");
        assertThat(p.event()).isEqualTo("userlogin");
        assertThat(p.data()).isEqualTo(json);
        assertThat(p.time()).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }

    @Test
    void deliversSubscribedChannelsInOffsetOrder() {
        broker.subscribe("a").join();
        for (int i = 1; i <= 50; i++) {
            publish("a", "m" + i);
        }
        awaitDelivered(50);
        assertThat(delivered).extracting(Publication::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());
    }

    @Test
    void historySinceAndLatest() {
        for (int i = 1; i <= 10; i++) {
            publish("h", "m" + i);
        }
        HistoryResult latest = broker.history("h", null, 3, OPTIONS).join();
        assertThat(latest.publications()).extracting(Publication::offset).containsExactly(8L, 9L, 10L);
        assertThat(latest.top().offset()).isEqualTo(10);
        assertThat(latest.oldest()).isEqualTo(1);

        StreamPosition since = new StreamPosition(latest.top().epoch(), 4);
        HistoryResult page = broker.history("h", since, 3, OPTIONS).join();
        assertThat(page.publications()).extracting(Publication::offset).containsExactly(5L, 6L, 7L);
        assertThat(page.recoverable(since)).isTrue();

        HistoryResult top = broker.history("h", null, 0, OPTIONS).join();
        assertThat(top.publications()).isEmpty();
        assertThat(top.top()).isEqualTo(latest.top());
    }

    @Test
    void historyIsBoundedBySize() {
        NamespaceOptions five = NamespaceOptions.builder().historySize(5).build();
        for (int i = 1; i <= 12; i++) {
            broker.publish("s", "message", Payload.text("m" + i), five).join();
        }
        HistoryResult h = broker.history("s", null, 100, five).join();
        assertThat(h.publications()).extracting(Publication::offset).containsExactly(8L, 9L, 10L, 11L, 12L);
        assertThat(h.oldest()).isEqualTo(8);
        assertThat(h.recoverable(new StreamPosition(h.top().epoch(), 7))).isTrue();
        assertThat(h.recoverable(new StreamPosition(h.top().epoch(), 6))).isFalse();
    }

    @Test
    void historyIsBoundedByAge() throws Exception {
        NamespaceOptions shortLived = NamespaceOptions.builder().historyAge(Duration.ofMillis(300)).build();
        broker.publish("t", "message", Payload.text("old"), shortLived).join();
        Thread.sleep(600);
        broker.publish("t", "message", Payload.text("new"), shortLived).join();
        HistoryResult h = broker.history("t", null, 100, shortLived).join();
        assertThat(h.publications()).extracting(p -> p.data().text()).containsExactly("new");
        assertThat(h.oldest()).isEqualTo(2);
    }

    @Test
    void emptyStreamHasTopZero() {
        HistoryResult h = broker.history("never", null, 10, OPTIONS).join();
        assertThat(h.publications()).isEmpty();
        assertThat(h.top().offset()).isZero();
        assertThat(h.oldest()).isEqualTo(1);
    }

    @Test
    void concurrentPublishersGetDistinctContiguousOffsets() throws Exception {
        broker.subscribe("race").join();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                for (int i = 0; i < 250; i++) {
                    publish("race", "x");
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        awaitDelivered(1000);
        assertThat(delivered).extracting(Publication::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 1000).boxed().toList());
    }

    private void awaitDelivered(int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.size() < n && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(delivered).hasSize(n);
    }
}
