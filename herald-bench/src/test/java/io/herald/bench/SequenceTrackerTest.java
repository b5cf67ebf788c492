package io.herald.bench;

import static io.herald.bench.SequenceTracker.Outcome.DUPLICATE;
import static io.herald.bench.SequenceTracker.Outcome.IN_ORDER;
import static io.herald.bench.SequenceTracker.Outcome.REORDERED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
    private final SequenceTracker tracker = new SequenceTracker();

    private void receive(long... seqs) {
        for (long seq : seqs) {
            tracker.record(seq);
        }
    }

    @Test
    void everythingInOrderIsCleanAndComplete() {
        for (long seq = 0; seq < 1000; seq++) {
            assertThat(tracker.record(seq)).isEqualTo(IN_ORDER);
        }
        assertThat(tracker.received()).isEqualTo(1000);
        assertThat(tracker.distinct()).isEqualTo(1000);
        assertThat(tracker.duplicated()).isZero();
        assertThat(tracker.reordered()).isZero();
        assertThat(tracker.lost(1000)).isZero();
        assertThat(tracker.highest()).isEqualTo(999);
    }

    @Test
    void nothingReceivedLosesEverything() {
        assertThat(tracker.lost(5)).isEqualTo(5);
        assertThat(tracker.lost(0)).isZero();
        assertThat(tracker.highest()).isEqualTo(-1);
    }

    @Test
    void aGapCountsAsLossNotAsReorder() {
        receive(0, 1, 3, 4);
        assertThat(tracker.record(5)).isEqualTo(IN_ORDER);
        assertThat(tracker.reordered()).isZero();
        assertThat(tracker.lost(6)).isEqualTo(1);
    }

    @Test
    void theTailThatNeverCameIsLost() {
        receive(0, 1, 2);
        assertThat(tracker.lost(10)).isEqualTo(7);
    }

    @Test
    void aRepeatIsADuplicateAndNotDelivered() {
        receive(0, 1);
        assertThat(tracker.record(1)).isEqualTo(DUPLICATE);
        assertThat(tracker.record(0)).isEqualTo(DUPLICATE);
        assertThat(tracker.received()).isEqualTo(4);
        assertThat(tracker.distinct()).isEqualTo(2);
        assertThat(tracker.duplicated()).isEqualTo(2);
        assertThat(tracker.reordered()).isZero();
        assertThat(tracker.lost(2)).isZero();
    }

    @Test
    void duplicatesDoNotHideALoss() {
        receive(0, 0, 0, 2);
        assertThat(tracker.received()).isEqualTo(4);
        assertThat(tracker.lost(3)).as("1 never came, although 4 messages arrived for 3 publications").isEqualTo(1);
    }

    @Test
    void aLateArrivalIsReorderedAndFillsTheGap() {
        receive(0, 2, 3);
        assertThat(tracker.record(1)).isEqualTo(REORDERED);
        assertThat(tracker.reordered()).isEqualTo(1);
        assertThat(tracker.lost(4)).isZero();
        assertThat(tracker.highest()).isEqualTo(3);
    }

    @Test
    void aSwappedPairIsOneReorder() {
        receive(1, 0, 2);
        assertThat(tracker.reordered()).isEqualTo(1);
        assertThat(tracker.duplicated()).isZero();
        assertThat(tracker.lost(3)).isZero();
    }

    @Test
    void aDuplicateOfALateArrivalIsADuplicateNotASecondReorder() {
        receive(0, 2, 1);
        assertThat(tracker.record(1)).isEqualTo(DUPLICATE);
        assertThat(tracker.reordered()).isEqualTo(1);
        assertThat(tracker.duplicated()).isEqualTo(1);
    }

    @Test
    void aRefusedPublicationLeavesItsNumberUnusedWithoutCountingAsLoss() {
        // seq 2 was refused by the server (not accepted), so 4 of 5 sent were accepted.
        receive(0, 1, 3, 4);
        assertThat(tracker.lost(4)).isZero();
        assertThat(tracker.reordered()).isZero();
    }

    @Test
    void neverNegativeWhenMoreArrivedThanWereCountedAccepted() {
        receive(0, 1, 2);
        assertThat(tracker.lost(2)).isZero();
    }

    @Test
    void rejectsNegativeAndHugeSequenceNumbers() {
        assertThatThrownBy(() -> tracker.record(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seq: -1");
        assertThatThrownBy(() -> tracker.record(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(tracker.received()).isZero();
    }
}
