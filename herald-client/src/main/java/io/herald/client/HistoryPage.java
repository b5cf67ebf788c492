package io.herald.client;

import java.util.List;

/**
 * One read of a channel's history (docs/protocol.md, "History and short polling"). Immutable.
 *
 * @param messages the publications, oldest first (at most the requested limit)
 * @param next     the position to read on from: the last message's id; with none, {@code since},
 *                 or the current position when no {@code since} was given
 * @param reset    {@code true} when {@code since} could not be served (see docs/protocol.md, "Reset
 *                 signal"): {@code messages} then starts at {@code next} (empty) or at a replaced
 *                 stream's start
 */
public record HistoryPage(List<Envelope> messages, String next, boolean reset) {
    public HistoryPage {
        messages = List.copyOf(messages);
    }
}
