package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.broker.BrokerListener;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A standalone master demoted to a replica and promoted again under the broker's live command
 * connection, without a restart (so with the same {@code run_id}): the publish that meets the
 * demotion answers 503 {@code broker_unavailable} (Redis's {@code READONLY}) and closes the
 * connection; once the Redis is a master again the next publish reconnects, reads the new fence
 * ({@code master_replid} changed with the promotion) and starts a new epoch, although the channel's
 * meta is still there: writes acknowledged elsewhere while it was a replica could be missing, so its
 * subscribers get a reset rather than a silent skip.
 */
@Timeout(60)
class RedisDemotionTest {
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(100).build();

    @Test
    void aMasterDemotedAndPromotedAgainUnderALiveConnectionStartsANewEpoch() throws Exception {
        try (RedisServerProcess a = RedisServerProcess.start(); RedisServerProcess b = RedisServerProcess.start();
             RedisBroker broker = new RedisBroker(RedisBrokerConfig.of(a.address()).withPrefix("dm").withTimeout(Duration.ofSeconds(2)))) {
            broker.start(new BrokerListener() {
                @Override
                public void onPublication(Publication publication) {
                }
            });
            Publication first = broker.publish("room", "message", Payload.text("1"), OPTIONS).get(5, TimeUnit.SECONDS);
            String runId = a.info("server", "run_id");
            // b copies a, then a follows b (a partial resync: a keeps the same data, meta included)
            assertThat(b.command("REPLICAOF 127.0.0.1 " + a.port())).isEqualTo("+OK");
            await(() -> "up".equals(b.info("replication", "master_link_status")));
            assertThat(b.command("REPLICAOF NO ONE")).isEqualTo("+OK");
            assertThat(a.command("REPLICAOF 127.0.0.1 " + b.port())).isEqualTo("+OK");
            await(() -> "up".equals(a.info("replication", "master_link_status")));

            Throwable readOnly = catchThrowable(() -> broker.publish("room", "message", Payload.text("2"), OPTIONS).join());
            assertThat(HeraldException.of(readOnly).code()).as("a publish to the demoted master").isEqualTo(ErrorCode.BROKER_UNAVAILABLE);

            assertThat(a.command("REPLICAOF NO ONE")).isEqualTo("+OK");
            assertThat(a.info("server", "run_id")).as("the same process").isEqualTo(runId);
            Publication after = broker.publish("room", "message", Payload.text("3"), OPTIONS).get(5, TimeUnit.SECONDS);
            assertThat(after.epoch()).as("the epoch after the demotion and promotion").isNotEqualTo(first.epoch());
            assertThat(after.offset()).isEqualTo(1);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the replica in sync").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
