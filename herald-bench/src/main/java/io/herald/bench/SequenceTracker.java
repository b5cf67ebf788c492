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
     * Publications this subscriber never received.
     *
     * @param published how many publications of this stream the server accepted
     * @return {@code published} minus the distinct sequence numbers received; never negative
     */
    public long lost(long published) {
        return Math.max(0, published - distinct);
    }
}
