package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SseParser} against WHATWG HTML "Server-sent events", "Interpreting an event stream". */
class SseParserTest {

    private static List<SseParser.Event> parse(SseParser parser, String... chunks) {
        List<SseParser.Event> events = new ArrayList<>();
        for (String chunk : chunks) {
            ByteBuffer b = ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8));
            SseParser.Event e;
            while ((e = parser.next(b)) != null) {
                events.add(e);
            }
            assertThat(b.hasRemaining()).isFalse();
        }
        return events;
    }

    private static List<SseParser.Event> parse(String... chunks) {
        return parse(new SseParser(1024), chunks);
    }

    @Test
    void crLfAndCrlfAllEndLinesAndMultiLineDataJoinsWithLf() {
        assertThat(parse("data: a\ndata: b\n\n", "data: c\rdata: d\r\r", "data: e\r\ndata: f\r\n\r\n"))
                .extracting(SseParser.Event::data).containsExactly("a\nb", "c\nd", "e\nf");
    }

    @Test
    void aCrAtTheEndOfOneChunkAndAnLfAtTheStartOfTheNextAreOneLineEnd() {
        assertThat(parse("data: x\r", "\ndata: y\r", "\n\r", "\n")).extracting(SseParser.Event::data).containsExactly("x\ny");
    }

    @Test
    void bytesSplitAnywhereGiveTheSameEvents() {
        String stream = "retry: 2000\n\nid: e-1\nevent: t\ndata: {\"k\":\"é\"}\n\n:hb\n\nid: e-2\ndata: z\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        SseParser parser = new SseParser(1024);
        List<SseParser.Event> events = new ArrayList<>();
        for (byte b : bytes) {
            SseParser.Event e = parser.next(ByteBuffer.wrap(new byte[] {b}));
            if (e != null) {
                events.add(e);
            }
        }
        assertThat(events).containsExactly(new SseParser.Event("t", "{\"k\":\"é\"}", "e-1"), new SseParser.Event("message", "z", "e-2"));
        assertThat(parser.retryMillis()).isEqualTo(2000);
    }

    @Test
    void commentsAreIgnoredAndAnEventWithoutDataIsNotDispatched() {
        assertThat(parse(":\n: heartbeat\n\nevent: x\n\nid: 5\n\ndata\n\n")).containsExactly(new SseParser.Event("message", "", "5"));
    }

    @Test
    void theLastEventIdPersistsAcrossEventsAndAnIdWithNullIsIgnored() {
        assertThat(parse("id: a-1\ndata: 1\n\ndata: 2\n\nid: b\u0000\ndata: 3\n\nid\ndata: 4\n\n"))
                .extracting(SseParser.Event::lastEventId).containsExactly("a-1", "a-1", "a-1", null);
    }

    @Test
    void retryTakesAsciiDigitsOnly() {
        SseParser p = new SseParser(1024);
        parse(p, "retry: 15x\n\n");
        assertThat(p.retryMillis()).isEqualTo(-1);
        parse(p, "retry: 1500\n\nretry: -3\n\nretry:\n\n");
        assertThat(p.retryMillis()).isEqualTo(1500);
    }

    @Test
    void onlyOneLeadingSpaceIsStrippedAndUnknownFieldsAreIgnored() {
        assertThat(parse("data:  two\nfoo: bar\ndata:none\n\n")).extracting(SseParser.Event::data).containsExactly(" two\nnone");
    }

    @Test
    void aLeadingByteOrderMarkIsSkippedOnce() {
        assertThat(parse("\uFEFFdata: a\n\n\uFEFFdata: b\n\n")).extracting(SseParser.Event::data).containsExactly("a");
    }

    @Test
    void anEventTheStreamDoesNotEndWithABlankLineIsNotDispatched() {
        assertThat(parse("data: a\n\ndata: unfinished\n")).extracting(SseParser.Event::data).containsExactly("a");
    }

    @Test
    void theParserStopsAtEachEventLeavingTheRestOfTheBuffer() {
        SseParser p = new SseParser(1024);
        ByteBuffer b = ByteBuffer.wrap("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(p.next(b).data()).isEqualTo("1");
        assertThat(b.remaining()).isEqualTo(9);
        assertThat(p.next(b).data()).isEqualTo("2");
        assertThat(p.next(b)).isNull();
    }

    @Test
    void aLineOverTheBoundFails() {
        SseParser p = new SseParser(16);
        assertThatThrownBy(() -> p.next(ByteBuffer.wrap(("data: " + "x".repeat(20)).getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(HeraldClientException.class).hasMessageContaining("protocol_error");
    }
}
