package io.herald.core.hub;

import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.HistoryResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The resume rule (docs/protocol.md, "Resume rule") as a pure function: given the position a subscriber asked
 * for, the history read after it joined the channel's fan-out, and the live publications that
 * arrived meanwhile, decide what it receives. Stateless; table-tested in {@code RecoveryTest}.
 *
 * <p>The subscribe/live race is closed by construction: the subscriber is registered for live
 * publications <em>before</em> history is read, live ones are buffered until this merge, and the
 * merge keeps each offset once, in order, and reports any gap instead of skipping it.
 */
public final class Recovery {
    private Recovery() {
    }

    /**
     * The result of a merge.
     *
     * @param reset        true when {@code since} could not be served (older than history, other epoch,
     *                     ahead of the stream, or history not contiguous): publications were missed
     * @param start        the position the delivered publications follow
     * @param publications what to deliver, contiguous offsets from {@code start.offset() + 1}
     * @param recovered    how many of {@code publications} came from history
     * @param complete     false when live publications did not continue the sequence (a gap or an
     *                     epoch change after history was read): deliver, then disconnect so the
     *                     client resumes from its last id
     */
    public record Outcome(boolean reset, StreamPosition start, List<Publication> publications,
                          int recovered, boolean complete) {
        /** The position after the last publication to deliver, or {@link #start()} when none. */
        public StreamPosition end() {
            return publications.isEmpty() ? start : publications.get(publications.size() - 1).position();
        }
    }

    /**
     * Merges history and buffered live publications for a subscriber.
     *
     * @param since   the requested position, or null to start at the stream's top (live only)
     * @param history history after {@code since} (or just the top when {@code since} is null), read
     *                after the subscriber was registered for live publications
     * @param live    live publications buffered since registration, in arrival (offset) order
     * @return what to deliver
     */
    public static Outcome merge(StreamPosition since, HistoryResult history, List<Publication> live) {
        return merge(since, history, live, false);
    }

    /**
     * The start of the channel's new stream, {@code EPOCH-0}, when {@code since} is of another epoch
     * and {@code history} (read after it) shows that the current stream still holds every
     * publication it ever had (its oldest retained offset is 1, or it has none): a subscriber whose
     * stream was replaced (a broker restart, a flush, an expiry) is reset to there and receives the
     * whole new stream, so the reset skips only what was lost with the old one (docs/protocol.md,
     * "Resume rule"). Null otherwise: the reset continues from the current position.
     */
    public static StreamPosition newStreamStart(StreamPosition since, HistoryResult history) {
        if (since == null || since.epoch().equals(history.top().epoch()) || history.oldest() > 1) {
            return null;
        }
        return new StreamPosition(history.top().epoch(), 0);
    }

    /**
     * Merges for a subscriber reset to the start of a new stream ({@link #newStreamStart}):
     * {@code history} was read after {@code start}; the outcome is a reset that starts there and
     * delivers the stream's publications, or, when history no longer holds them all (trimmed
     * meanwhile), the usual reset to the current position.
     */
    public static Outcome mergeFromNewStream(StreamPosition start, HistoryResult history, List<Publication> live) {
        return merge(start, history, live, true);
    }

    private static Outcome merge(StreamPosition since, HistoryResult history, List<Publication> live, boolean newStream) {
        StreamPosition top = history.top();
        List<Publication> out = new ArrayList<>();
        boolean reset;
        StreamPosition start;
        if (since == null) {
            reset = false;
            start = top;
        } else if (history.recoverable(since) && contiguous(since.offset(), history.publications(), top.offset())) {
            reset = newStream;
            start = since;
            out.addAll(history.publications());
        } else {
            reset = true;
            start = top;
        }
        int recovered = out.size();
        long last = out.isEmpty() ? start.offset() : out.get(out.size() - 1).offset();
        boolean complete = true;
        for (Publication p : live) {
            if (!p.epoch().equals(start.epoch())) {
                complete = false;
                break;
            }
            if (p.offset() <= last) {
                continue;
            }
            if (p.offset() != last + 1) {
                complete = false;
                break;
            }
            out.add(p);
            last = p.offset();
        }
        return new Outcome(reset, start, List.copyOf(out), recovered, complete);
    }

    /** Whether {@code page} holds exactly the offsets {@code after + 1 .. top}. */
    private static boolean contiguous(long after, List<Publication> page, long top) {
        long expect = after + 1;
        for (Publication p : page) {
            if (p.offset() != expect) {
                return false;
            }
            expect++;
        }
        return expect - 1 == top;
    }
}
