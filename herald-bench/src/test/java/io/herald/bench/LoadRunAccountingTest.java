package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accounting across subscribers and publisher streams, fed through {@link SubscriberState}. */
class LoadRunAccountingTest {
    private final Deliveries deliveries = new Deliveries(new MicroClock());

    private static void deliver(SubscriberState state, int stream, long... seqs) {
        for (long seq : seqs) {
            byte[] payload = BenchPayload.encode(stream, seq, 0, 64);
            assertThat(state.onPayload(payload, 0, payload.length)).isTrue();
        }
    }

    @Test
    void sumsLossDuplicatesAndReordersPerStream() {
        SubscriberState a = new SubscriberState(deliveries, 2);
        SubscriberState b = new SubscriberState(deliveries, 2);
        deliver(a, 0, 0, 1, 2);
        deliver(a, 1, 0, 1, 2);          // streams interleave freely: no reorder across streams
        deliver(b, 0, 0, 2, 1, 1);       // one reorder, one duplicate, nothing lost
        deliver(b, 1, 0);                // two lost on stream 1

        LoadRun.Accounting totals = LoadRun.account(List.of(a, b), new long[] {3, 3});

        assertThat(totals.distinct).isEqualTo(10);
        assertThat(totals.lost).isEqualTo(2);
        assertThat(totals.duplicated).isEqualTo(1);
        assertThat(totals.reordered).isEqualTo(1);
        assertThat(deliveries.distinct()).isEqualTo(10);
    }

    @Test
    void whatAResetSkippedIsNotLostAndNothingElseIsExcused() {
        java.util.BitSet accepted = new java.util.BitSet();
        accepted.set(0, 10);
        accepted.clear(4);               // refused while Redis was down: its number stays unused
        SubscriberState reset = new SubscriberState(deliveries, 1);
        deliver(reset, 0, 0, 1, 2);
        reset.onReset();                 // 3 and 5 were skipped by the reset
        deliver(reset, 0, 6, 7, 9);      // 8 is lost: the reset announced nothing after 6
        SubscriberState plain = new SubscriberState(deliveries, 1);
        deliver(plain, 0, 0, 1, 2, 3, 6, 7, 8, 9); // 5 lost: no reset told this one

        LoadRun.Accounting totals = LoadRun.account(List.of(reset, plain), new long[] {9},
                new java.util.BitSet[] {accepted});

        assertThat(totals.skippedByReset).isEqualTo(2);
        assertThat(totals.lost).isEqualTo(2);
        assertThat(totals.duplicated).isZero();
        assertThat(totals.reordered).isZero();
        assertThat(reset.resets()).isEqualTo(1);
        assertThat(reset.firstAfterResetMillis()).isGreaterThanOrEqualTo(reset.lastResetMillis()).isPositive();
        ResumeReport report = ResumeReport.of(List.of(reset, plain), totals.skippedByReset);
        assertThat(report.subscribersReset()).isEqualTo(1);
        assertThat(report.recovered()).isEqualTo(1);
        assertThat(report.resetAtMs()).hasSize(4).containsOnly(reset.lastResetMillis());
        assertThat(ResumeReport.summary(new long[] {5, 1, 3, 2, 4}, 5)).containsExactly(1L, 3L, 5L, 5L);
    }

    @Test
    void onlyDeliveriesInsideTheWindowAreTimed() {
        SubscriberState s = new SubscriberState(deliveries, 1);
        deliver(s, 0, 0);
        deliveries.startWindow();
        long now = deliveries.clock().nowMicros();
        byte[] payload = BenchPayload.encode(0, 1, now - 2_000, 64);
        s.onPayload(payload, 0, payload.length);
        deliver(s, 0, 1);                // a duplicate is not timed
        var latency = deliveries.endWindow();
        deliver(s, 0, 2);

        assertThat(deliveries.windowDeliveries()).isEqualTo(1);
        assertThat(latency.getTotalCount()).isEqualTo(1);
        assertThat(latency.getMaxValue()).isBetween(2_000L, 1_000_000L);
        assertThat(deliveries.distinct()).isEqualTo(3);
    }

    @Test
    void foreignDataAndUnknownStreamsAreNotPayloads() {
        SubscriberState s = new SubscriberState(deliveries, 1);
        byte[] reset = "{\"reset\":true}".getBytes(StandardCharsets.UTF_8);
        byte[] otherStream = BenchPayload.encode(1, 0, 0, 64);
        assertThat(s.onPayload(reset, 0, reset.length)).isFalse();
        assertThat(s.onPayload(otherStream, 0, otherStream.length)).isFalse();
        assertThat(deliveries.distinct()).isZero();
    }
}
