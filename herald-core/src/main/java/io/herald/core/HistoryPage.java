package io.herald.core;

import java.util.List;

/**
 * A page of history as the polling and history endpoints return it (docs/protocol.md,
 * "History and short polling": {@code {"messages":[...],"next":"ID","reset":false}}). Immutable.
 *
 * @param publications the publications, in offset order
 * @param next         the position to ask from next time: the last publication's, or the requested
 *                     one when there are none, or the stream's top after a reset
 * @param reset        true when the requested position could not be served (older than history or
 *                     of another epoch); {@code publications} is then empty and {@code next} the top
 */
public record HistoryPage(List<Publication> publications, StreamPosition next, boolean reset) {
    public HistoryPage {
        publications = List.copyOf(publications);
    }
}
