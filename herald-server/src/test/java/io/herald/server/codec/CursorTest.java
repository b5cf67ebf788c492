package io.herald.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cursor's grammar and bound (docs/protocol.md, "Several channels on one request"), and its rendering. */
class CursorTest {
    private static final List<String> ABC = List.of("a", "b", "c");

    @Test
    void parsesEntriesInTheOrderOfTheChannelsAndRendersThemBack() {
        Cursor c = Cursor.parse(ABC, "k3x9ab-42,,zz-0");
        assertThat(c.position(0)).isEqualTo(new StreamPosition("k3x9ab", 42));
        assertThat(c.position(1)).isNull();
        assertThat(c.position(2)).isEqualTo(new StreamPosition("zz", 0));
        assertThat(c.full()).isFalse();
        assertThat(c).hasToString("k3x9ab-42,,zz-0");
        assertThat(Cursor.parse(ABC, null)).hasToString(",,");
        assertThat(Cursor.parse(ABC, "")).hasToString(",,");
        assertThat(Cursor.parse(List.of("a"), "e-9")).hasToString("e-9");
    }

    @Test
    void advancesTheEntryOfAPublicationsChannelAndWritesTheIdLine() {
        Cursor c = Cursor.parse(ABC, ",,");
        Publication p = new Publication("b", 1234567890123L, "ep1", "message", Payload.text("x"), 0L);
        assertThat(c.advance(p)).isEqualTo(1);
        assertThat(c.advance(new Publication("zz", 1, "ep1", "message", Payload.text("x"), 0L))).isEqualTo(-1);
        c.set(0, new StreamPosition("q", 0));
        assertThat(new String(c.idLine(true), StandardCharsets.US_ASCII)).isEqualTo("id: q-0,ep1-1234567890123,\n\n");
        assertThat(new String(c.idLine(false), StandardCharsets.US_ASCII)).isEqualTo("id: q-0,ep1-1234567890123,\n");
        assertThat(c.indexOf(new String("c"))).isEqualTo(2);
    }

    @Test
    void refusesAnythingElseAsInvalidSince() {
        for (String bad : List.of("a-1", "a-1,b-2", "a-1,b-2,c-3,d-4", "A-1,,", "a-,,", "-1,,", "a-1;b-2,",
                "a-1 ,,", "a-b-1,,", "a-99999999999999999999,,", "a".repeat(33) + "-1,,")) {
            assertThatThrownBy(() -> Cursor.parse(ABC, bad)).as(bad).isInstanceOf(HeraldException.class)
                    .extracting(e -> ((HeraldException) e).code()).isEqualTo(ErrorCode.INVALID_SINCE);
        }
    }

    @Test
    void theLongestCursorIsAcceptedAndOneCharacterMoreIsRefusedBeforeParsing() {
        List<String> channels = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < Cursor.MAX_CHANNELS; i++) {
            channels.add("c" + i);
            entries.add("e".repeat(32) + "-" + "1".repeat(19));
        }
        String longest = String.join(",", entries);
        assertThat(longest).hasSize(Cursor.MAX_LENGTH).hasSize(3391);
        assertThat(Cursor.parse(channels, longest)).hasToString(longest);
        assertThatThrownBy(() -> Cursor.parse(channels, longest + ",")).hasMessageContaining("3392 characters");
    }
}
