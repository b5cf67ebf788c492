package io.herald.bench;

import java.util.BitSet;

/**
 * Loss, duplicate and order accounting of one subscriber on one publication stream.
 *
 * <p>A stream is one publisher connection's sequence {@code 0, 1, 2, ...}; the publisher sends
 * each publication only after the previous one was answered, so the server has to deliver them
 * in that order. {@link #record(long)} classifies each arrival:
 * <ul>
 *   <li>{@link Outcome#DUPLICATE}: that sequence number arrived before;</li>
 *   <li>{@link Outcome#REORDERED}: a first arrival below the highest number seen so far (it was
 *       overtaken by a later publication);</li>
 *   <li>{@link Outcome#IN_ORDER}: any other first arrival, including one after a gap (the gap
 *       counts as loss unless it is filled later, which then counts as reordered).</li>
 * </ul>
 * At the end, {@link #lost(long) lost} = published − distinct received, where published counts the
 * publications the server accepted (a refused publication leaves its number unused).
 *
 * <p>Across a reset (the server's "publications were missed; continue from here", docs/protocol.md
 * "Reset signal"; {@link #onReset()}), what the subscriber never received between the highest number
 * seen before the reset and the first arrival after it is what the reset skipped: with the accepted
 * numbers known, {@link #missing(BitSet)} tells it apart from loss. Duplicates and order are judged
 * on the publisher's numbers, which go on rising across the server's epochs.
 *
 * <p>Memory: one bit per sequence number up to the highest seen. Not thread-safe: one instance
 * per subscriber and stream, used on that subscriber's event loop.
 */
public final class SequenceTracker {
    /** How one arrival is classified. */
    public enum Outcome {
        /** First arrival, not below the highest sequence number seen before. */
        IN_ORDER,
        /** First arrival, but below the highest sequence number seen before. */
        REORDERED,
        /** This sequence number was received before. */
        DUPLICATE
    }

    private final BitSet seen = new BitSet();
    private long highest = -1;
    private long received;
    private long distinct;
    private long duplicated;
    private long reordered;
    /** Set by {@link #onReset()} until the next arrival: the gap it skipped starts above {@link #resetFrom}. */
    private boolean resetPending;
    private long resetFrom;
    /** The gaps resets skipped, as pairs {@code (after, before)}: the numbers strictly between. */
    private long[] gaps = new long[0];
    private int gapCount;

    /**
     * Records the arrival of sequence number {@code seq}.
     *
     * @param seq the sequence number, {@code 0 <= seq < Integer.MAX_VALUE}
     * @return how the arrival is classified
     * @throws IllegalArgumentException when {@code seq} is out of that range
     */
    public Outcome record(long seq) {
        if (seq < 0 || seq >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("seq: " + seq + " (expected: 0.." + (Integer.MAX_VALUE - 1) + ")");
        }
        received++;
        if (resetPending) {
            resetPending = false;
            if (seq > resetFrom + 1) {
                if (gaps.length < 2 * (gapCount + 1)) {
                    gaps = java.util.Arrays.copyOf(gaps, Math.max(4, gaps.length * 2));
                }
                gaps[2 * gapCount] = resetFrom;
                gaps[2 * gapCount + 1] = seq;
                gapCount++;
            }
        }
        int index = (int) seq;
        if (seen.get(index)) {
            duplicated++;
            return Outcome.DUPLICATE;
        }
        seen.set(index);
        distinct++;
        if (seq < highest) {
            reordered++;
            return Outcome.REORDERED;
        }
        highest = seq;
        return Outcome.IN_ORDER;
    }

    /** Every arrival, duplicates included. */
    public long received() {
        return received;
    }

    /** Arrivals of a sequence number not received before. */
    public long distinct() {
        return distinct;
    }

    /** Arrivals of a sequence number received before. */
    public long duplicated() {
        return duplicated;
    }

    /** First arrivals below the highest sequence number seen at the time. */
    public long reordered() {
        return reordered;
    }

    /** The highest sequence number received, or -1 before the first. */
    public long highest() {
        return highest;
    }

    /**
     * The server told this subscriber of a reset: the numbers it did not receive from here to its
     * next arrival were skipped by the reset, not lost. A second reset before any arrival keeps the
     * first one's start.
     */
    public void onReset() {
        if (!resetPending) {
            resetPending = true;
            resetFrom = highest;
        }
    }

    /**
     * The accepted publications this subscriber never received, split into those a reset skipped and
     * those lost.
     *
     * @param accepted the numbers the server accepted
     * @return {@code {lost, skippedByReset}}
     */
    public long[] missing(BitSet accepted) {
        long lost = 0;
        long skipped = 0;
        for (int seq = accepted.nextSetBit(0); seq >= 0; seq = accepted.nextSetBit(seq + 1)) {
            if (seen.get(seq)) {
                continue;
            }
            boolean inGap = false;
            for (int g = 0; g < gapCount && !inGap; g++) {
                inGap = seq > gaps[2 * g] && seq < gaps[2 * g + 1];
            }
            // a reset still pending at the end skipped everything after it
            inGap |= resetPending && seq > resetFrom;
            if (inGap) {
                skipped++;
            } else {
                lost++;
            }
        }
        return new long[] {lost, skipped};
    }

    /**
     * Publications this subscriber never received.
     *
     * @param published how many publications of this stream the server accepted
     * @return {@code published} minus the distinct sequence numbers received; never negative
     */
    public long lost(long published) {
        return Math.max(0, published - distinct);
    }
}
