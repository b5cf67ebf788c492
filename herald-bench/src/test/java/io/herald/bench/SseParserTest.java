package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
    private final List<String> events = new ArrayList<>();
    private final List<Long> retries = new ArrayList<>();
    private final SseParser parser = new SseParser(new SseParser.Listener() {
        @Override
        public void onEvent(String type, byte[] data, int length) {
            events.add(type + "|" + new String(data, 0, length, StandardCharsets.UTF_8));
        }

        @Override
        public void onRetry(long millis) {
            retries.add(millis);
        }
    });

    private void feed(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        parser.feed(bytes, 0, bytes.length);
    }

    /** Feeds one byte at a time, so that every boundary (CR|LF, inside a field) is split. */
    private void feedBytewise(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            parser.feed(bytes, i, 1);
        }
    }

    @Test
    void heraldStream() {
        feed("retry: 2000\n\nid: k3-1\ndata: 0 1 2 xx\n\nid: k3-2\nevent: herald-reset\ndata: {\"reset\":true}\n\n");
        assertThat(retries).containsExactly(2000L);
        assertThat(events).containsExactly("message|0 1 2 xx", "herald-reset|{\"reset\":true}");
        assertThat(parser.lastEventId()).isEqualTo("k3-2");
    }

    @Test
    void lfCrAndCrlfAllEndLines() {
        feed("data: a\n\ndata: b\r\rdata: c\r\n\r\n");
        assertThat(events).containsExactly("message|a", "message|b", "message|c");
    }

    @Test
    void crlfSplitAcrossChunksIsOneLineEnd() {
        feed("data: a\r");
        feed("\ndata: b\r");
        feed("\n\r");
        feed("\n");
        assertThat(events).containsExactly("message|a\nb");
    }

    @Test
    void bytewiseFeedingGivesTheSameEvents() {
        feedBytewise("event: x\r\ndata: one\r\ndata: two\r\n\r\ndata:three\n\n");
        assertThat(events).containsExactly("x|one\ntwo", "message|three");
    }

    @Test
    void dataLinesAreJoinedWithLfAndTheLastLfDropped() {
        feed("data: line 1\ndata: line 2\ndata\ndata:\n\n");
        assertThat(events).containsExactly("message|line 1\nline 2\n\n");
    }

    @Test
    void commentsAreIgnored() {
        feed(":\n: heartbeat\n:data: no\ndata: yes\n: between\n\n");
        assertThat(events).containsExactly("message|yes");
    }

    @Test
    void onlyOneLeadingSpaceIsStripped() {
        feed("data:  two spaces\ndata:none\n\n");
        assertThat(events).containsExactly("message| two spaces\nnone");
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsTypeDoesNotLeak() {
        feed("event: lonely\n\ndata: x\n\n");
        assertThat(events).containsExactly("message|x");
    }

    @Test
    void aBlankLineAfterNothingDispatchesNothing() {
        feed("\n\n\r\n");
        assertThat(events).isEmpty();
    }

    @Test
    void anUnfinishedEventIsNotDispatched() {
        feed("data: half");
        feed("\n");
        assertThat(events).isEmpty();
        feed("\n");
        assertThat(events).containsExactly("message|half");
    }

    @Test
    void idPersistsAndAnIdWithNulIsIgnored() {
        feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000x\ndata: c\n\n");
        assertThat(events).hasSize(3);
        assertThat(parser.lastEventId()).isEqualTo("1");
        feed("id\ndata: d\n\n");
        assertThat(parser.lastEventId()).as("an empty id resets the last event id").isEmpty();
    }

    @Test
    void retryMustBeAllDigits() {
        feed("retry: 15x\nretry: -1\nretry:\nretry: 3000\n\n");
        assertThat(retries).containsExactly(3000L);
    }

    @Test
    void unknownFieldsAreIgnored() {
        feed("foo: bar\ndata: x\nDATA: y\n\n");
        assertThat(events).containsExactly("message|x");
    }

    @Test
    void aLeadingByteOrderMarkIsSkippedOnce() {
        feedBytewise("\uFEFFdata: a\n\n");
        assertThat(events).containsExactly("message|a");
        feed("\uFEFFdata: b\n\n");
        assertThat(events).as("a second BOM is part of the field name").hasSize(1);
    }

    @Test
    void aPartialByteOrderMarkIsKeptAsData() {
        byte[] bytes = {(byte) 0xEF, 'd', 'a', 't', 'a', ':', ' ', 'x', '\n', '\n'};
        parser.feed(bytes, 0, bytes.length);
        assertThat(events).as("the field name is \\xEFdata, not data").isEmpty();
    }

    @Test
    void anyChunkingGivesTheSameEventsAsOneFeed() {
        String stream = "retry: 100\r\n: hi\r\rid: 1\ndata: a\r\ndata: b\r\revent: e\ndata:c\n\n"
                + "data: é✓\r\n\r\ndata\n\nid: 2\rdata: x\r\r";
        feed(stream);
        List<String> whole = new ArrayList<>(events);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 200; round++) {
            events.clear();
            SseParser chunked = new SseParser((type, data, length) ->
                    events.add(type + "|" + new String(data, 0, length, StandardCharsets.UTF_8)));
            for (int i = 0; i < bytes.length; ) {
                int n = Math.min(bytes.length - i, random.nextInt(7));
                chunked.feed(bytes, i, n);
                i += n;
            }
            assertThat(events).as("round %d", round).isEqualTo(whole);
            assertThat(chunked.lastEventId()).isEqualTo("2");
        }
        assertThat(whole).containsExactly("message|a\nb", "e|c", "message|é✓", "message|", "message|x");
    }

    @Test
    void utf8DataAndLongLinesSurvive() {
        String long1 = "é".repeat(5000);
        feed("data: " + long1 + "\ndata: ✓\n\n");
        assertThat(events).containsExactly("message|" + long1 + "\n✓");
    }

    @Test
    void anExplicitMessageTypeIsTheDefaultType() {
        feed("event: message\ndata: a\n\nevent: messages\ndata: b\n\ndata: c\n\n");
        assertThat(events).containsExactly("message|a", "messages|b", "message|c");
    }

    @Test
    void payloadFieldsSurviveAnEventSplitAcrossReadsAtAnyByte() {
        byte[] payload = BenchPayload.encode(3, 123456, 1732190000123456L, 64);
        byte[] stream = ("id: k1-9\r\nevent: message\r\ndata: " + new String(payload, StandardCharsets.US_ASCII)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        BenchPayload.Reader reader = new BenchPayload.Reader();
        List<String> fields = new ArrayList<>();
        for (int cut = 0; cut <= stream.length; cut++) {
            for (int second = cut; second <= stream.length; second += 7) {
                SseParser split = new SseParser((type, data, length) -> {
                    assertThat(reader.read(data, 0, length)).isTrue();
                    fields.add(type + " " + reader.stream() + " " + reader.seq() + " " + reader.sendMicros());
                });
                split.feed(stream, 0, cut);
                split.feed(stream, cut, second - cut);
                split.feed(stream, second, stream.length - second);
                assertThat(fields).as("cut at %d and %d", cut, second)
                        .containsExactly("message 3 123456 1732190000123456");
                fields.clear();
            }
        }
    }
}
