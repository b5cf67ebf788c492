package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.hub.RecordingTransport;
import io.herald.core.hub.Subscribed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenario 16 of the Redis broker design, at scale: 5,000 sessions on one channel of one node over a
 * real Redis, Redis restarted without its data. The sessions are told with their 4001s spread over
 * the node's reset spread, each resumes from its last position as its client would, the moment its
 * 4001 arrives, and the node reads that position's history at most one script at a time (its
 * {@link RedisBrokerStats#historyReadsPeak()}); Redis's own {@code INFO commandstats} counts no
 * script the node did not (no read went around the single flight); every resumed session gets the
 * reset, then the new stream.
 */
@Timeout(180)
class RedisHerdTest {
    private static final int HERD = 5000;
    private static final Duration SPREAD = Duration.ofSeconds(3);
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(1000).build();

    @Test
    void fiveThousandSessionsResumingAfterARedisRestartReadTheirPositionOneScriptAtATime() throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        ExecutorService writers = Executors.newSingleThreadExecutor();
        RedisBroker brokerB = new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix("herd")
                .withTimeout(Duration.ofSeconds(10)));
        Node a = new Node(NodeConfig.builder().defaultNamespace(OPTIONS).build(),
                new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix("herd").withTimeout(Duration.ofSeconds(10))));
        Node b = new Node(NodeConfig.builder().defaultNamespace(OPTIONS).resetSpread(SPREAD).build(), brokerB);
        try {
            List<RecordingTransport> sessions = new ArrayList<>();
            for (int i = 0; i < HERD; i++) {
                RecordingTransport t = new RecordingTransport(writers);
                t.session = b.newSession(t);
                sessions.add(t);
            }
            CompletableFuture.allOf(sessions.stream().map(t -> b.subscribe(t.session, "herd", null))
                    .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Publication last = null;
            for (int i = 0; i < 3; i++) {
                last = a.publish("herd", null, Payload.text("before")).join();
            }
            await("3 delivered to all", () -> sessions.stream().allMatch(t -> t.offsets().size() == 3));
            StreamPosition resumeFrom = last.position();

            redis.stop();
            redis.restart();
            assertThat(redis.reply("CONFIG", "RESETSTAT")).containsExactly("+OK");
            long readsBefore = brokerB.stats().historyReads();
            // Each session told resumes at once from its last position, as its client would.
            List<RecordingTransport> resumed = new ArrayList<>();
            List<CompletableFuture<Subscribed>> resumes = new ArrayList<>();
            boolean[] done = new boolean[HERD];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long firstTold = 0;
            long lastTold = 0;
            while (resumes.size() < HERD) {
                assertThat(System.nanoTime()).as("every session told, %d so far", resumes.size()).isLessThan(deadline);
                for (int i = 0; i < HERD; i++) {
                    RecordingTransport t = sessions.get(i);
                    if (!done[i] && t.closedWith != null) {
                        done[i] = true;
                        assertThat(t.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
                        firstTold = firstTold == 0 ? t.closedNanos : Math.min(firstTold, t.closedNanos);
                        lastTold = Math.max(lastTold, t.closedNanos);
                        RecordingTransport again = new RecordingTransport(writers);
                        again.session = b.newSession(again);
                        resumed.add(again);
                        resumes.add(b.subscribe(again.session, "herd", resumeFrom));
                    }
                }
                Thread.sleep(5);
            }
            CompletableFuture.allOf(resumes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(lastTold - firstTold)).as("4001s spread over (ms)")
                    .isGreaterThan(SPREAD.toMillis() / 2).isLessThan(SPREAD.toMillis() + 2000);
            assertThat(resumes).allSatisfy(f -> assertThat(f.join().reset()).isTrue());

            long reads = brokerB.stats().historyReads() - readsBefore;
            long scripts = redis.calls("evalsha") + redis.calls("eval");
            System.out.printf("scenario 16: %d resumes over %d ms, %d history scripts on the node, %d scripts on Redis"
                    + " (evalsha+eval, with the node's catch-ups), peak identical reads at once %d%n",
                    HERD, TimeUnit.NANOSECONDS.toMillis(lastTold - firstTold), reads, scripts, brokerB.stats().historyReadsPeak());
            assertThat(brokerB.stats().historyReadsPeak()).as("identical history reads running at once").isEqualTo(1);
            // Spread over the window, the resumes share fewer reads than an instant herd does (each read
            // is shared by those that arrived while the one before ran): how many depends on how fast
            // Redis answers, so the bound is "one at a time", not a count. Redis saw only these
            // (and the node's catch-ups): no read went around the node's single flight.
            assertThat(reads).as("history scripts for %d resumes from one position", HERD).isLessThan(HERD);
            assertThat(scripts).as("scripts Redis ran (INFO commandstats)").isGreaterThanOrEqualTo(reads)
                    .isLessThanOrEqualTo(reads + 20);

            Publication next = a.publish("herd", null, Payload.text("new")).join();
            await("the new stream on every resumed session", () -> resumed.stream().allMatch(t -> t.offsets().contains(next.offset())));
            assertThat(resumed).allSatisfy(t -> assertThat(t.session.isClosed()).isFalse());
        } finally {
            b.close();
            a.close();
            writers.shutdownNow();
            redis.stop();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
