package io.herald.core.broker;

import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.util.List;
import java.util.Objects;

/**
 * A page of a channel's history and the state of its stream when it was read. Immutable.
 *
 * @param publications the publications asked for, in offset order; an unmodifiable list
 * @param top          the position of the newest publication (offset 0 when the stream is empty)
 * @param oldest       the offset of the oldest publication still retained, or {@code top.offset() + 1}
 *                     when none is
 */
public record HistoryResult(List<Publication> publications, StreamPosition top, long oldest) {

    public HistoryResult {
        publications = List.copyOf(publications);
        Objects.requireNonNull(top, "top");
    }

    /**
     * Whether every publication after {@code since} is still retained, so that a subscriber at
     * {@code since} can resume with no gap: same epoch, not ahead of the top, not older than history.
     */
    public boolean recoverable(StreamPosition since) {
        return since.epoch().equals(top.epoch())
                && since.offset() <= top.offset()
                && since.offset() >= oldest - 1;
    }
}
