package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.HistoryResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecoveryTest {

    private static Publication pub(String epoch, long offset) {
        return new Publication("c", offset, epoch, "message", Payload.text("m" + offset), 0);
    }

    private static List<Publication> range(String epoch, long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(o -> pub(epoch, o)).toList();
    }

    /** top offset, oldest retained, history returned, since, live, expected (reset, start, offsets, recovered, complete). */
    static List<Arguments> table() {
        List<Arguments> rows = new ArrayList<>();
        // since null: live only, from the top; live dups of the top are dropped.
        rows.add(Arguments.of("live only", 10, 1, List.of(), null, range("e", 10, 12), false, 10, List.of(11L, 12L), 0, true));
        // recovered, nothing missed, no live.
        rows.add(Arguments.of("caught up", 10, 1, List.of(), "e-10", List.of(), false, 10, List.of(), 0, true));
        // recovered from history, live overlaps history: no duplicates.
        rows.add(Arguments.of("history + overlapping live", 10, 1, range("e", 8, 10), "e-7", range("e", 9, 12), false, 7,
                List.of(8L, 9L, 10L, 11L, 12L), 3, true));
        // position exactly at the edge of retained history is recoverable.
        rows.add(Arguments.of("edge of history", 10, 6, range("e", 6, 10), "e-5", List.of(), false, 5,
                List.of(6L, 7L, 8L, 9L, 10L), 5, true));
        // one older than the edge: reset to the top, then live.
        rows.add(Arguments.of("older than history", 10, 6, range("e", 6, 10), "e-4", range("e", 11, 11), true, 10,
                List.of(11L), 0, true));
        // other epoch: reset.
        rows.add(Arguments.of("other epoch", 10, 1, range("e", 3, 10), "x-2", List.of(), true, 10, List.of(), 0, true));
        // ahead of the stream: reset.
        rows.add(Arguments.of("ahead of stream", 10, 1, List.of(), "e-11", List.of(), true, 10, List.of(), 0, true));
        // history not contiguous (a broker lost one): reset rather than skip.
        rows.add(Arguments.of("hole in history", 10, 1, List.of(pub("e", 9), pub("e", 10)), "e-7", List.of(), true, 10,
                List.of(), 0, true));
        // gap between history and live: deliver what is contiguous, report incomplete.
        rows.add(Arguments.of("gap after history", 10, 1, range("e", 9, 10), "e-8", range("e", 12, 13), false, 8,
                List.of(9L, 10L), 2, false));
        // epoch changed in live: incomplete.
        rows.add(Arguments.of("epoch change in live", 10, 1, List.of(), null, List.of(pub("y", 1)), false, 10, List.of(), 0, false));
        // empty stream, since null.
        rows.add(Arguments.of("empty stream", 0, 1, List.of(), null, range("e", 1, 2), false, 0, List.of(1L, 2L), 0, true));
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void merge(String name, long top, long oldest, List<Publication> history, String since, List<Publication> live,
               boolean reset, long start, List<Long> offsets, int recovered, boolean complete) {
        HistoryResult h = new HistoryResult(history, new StreamPosition("e", top), oldest);
        Recovery.Outcome o = Recovery.merge(StreamPosition.parseOrNull(since), h, live);
        assertThat(o.reset()).as("reset").isEqualTo(reset);
        assertThat(o.start()).as("start").isEqualTo(new StreamPosition(since != null && !reset ? StreamPosition.parse(since).epoch() : "e", start));
        assertThat(o.publications()).extracting(Publication::offset).as("offsets").containsExactlyElementsOf(offsets);
        assertThat(o.recovered()).as("recovered").isEqualTo(recovered);
        assertThat(o.complete()).as("complete").isEqualTo(complete);
    }

    @org.junit.jupiter.api.Test
    void aPositionOfAReplacedStreamRestartsFromTheNewStreamsStartWhileItIsWhole() {
        StreamPosition old = StreamPosition.parse("old-500");
        // The new stream "e" holds offsets 1..4 (nothing trimmed): reset to e-0, all four follow, then live.
        HistoryResult firstRead = new HistoryResult(List.of(), new StreamPosition("e", 4), 1);
        StreamPosition start = Recovery.newStreamStart(old, firstRead);
        assertThat(start).isEqualTo(new StreamPosition("e", 0));
        Recovery.Outcome o = Recovery.mergeFromNewStream(start,
                new HistoryResult(range("e", 1, 4), new StreamPosition("e", 4), 1), range("e", 4, 6));
        assertThat(o.reset()).as("the client's position was not served: a reset").isTrue();
        assertThat(o.start()).isEqualTo(new StreamPosition("e", 0));
        assertThat(o.publications()).extracting(Publication::offset).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(o.recovered()).isEqualTo(4);
        assertThat(o.complete()).isTrue();
        // Trimmed between the two reads: the usual reset to the top, then live.
        Recovery.Outcome trimmed = Recovery.mergeFromNewStream(start,
                new HistoryResult(range("e", 3, 4), new StreamPosition("e", 4), 3), range("e", 5, 5));
        assertThat(trimmed.reset()).isTrue();
        assertThat(trimmed.start()).isEqualTo(new StreamPosition("e", 4));
        assertThat(trimmed.publications()).extracting(Publication::offset).containsExactly(5L);
        // Not applicable: same epoch, no position, or a new stream already trimmed.
        assertThat(Recovery.newStreamStart(StreamPosition.parse("e-2"), firstRead)).isNull();
        assertThat(Recovery.newStreamStart(null, firstRead)).isNull();
        assertThat(Recovery.newStreamStart(old, new HistoryResult(List.of(), new StreamPosition("e", 9), 5))).isNull();
        // An empty new stream (oldest = top + 1 = 1): reset to e-0, as to its top.
        assertThat(Recovery.newStreamStart(old, new HistoryResult(List.of(), new StreamPosition("e", 0), 1)))
                .isEqualTo(new StreamPosition("e", 0));
    }
}
