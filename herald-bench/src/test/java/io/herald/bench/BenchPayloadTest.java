package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchPayloadTest {
    private final BenchPayload.Reader reader = new BenchPayload.Reader();

    @Test
    void encodesHeaderAndPadsToTheSize() {
        byte[] payload = BenchPayload.encode(2, 42, 1732190000123456L, 64);
        String text = new String(payload, StandardCharsets.US_ASCII);
        assertThat(payload).hasSize(64);
        assertThat(text).startsWith("2 42 1732190000123456 ").matches("[0-9 ]+x+");
    }

    @Test
    void aHeaderLongerThanTheSizeIsNotCut() {
        byte[] payload = BenchPayload.encode(0, 123456789, 1732190000123456L, 16);
        assertThat(new String(payload, StandardCharsets.US_ASCII)).isEqualTo("0 123456789 1732190000123456 ");
    }

    @Test
    void roundTripsFromAnArraySlice() {
        byte[] payload = BenchPayload.encode(3, 7, 99, 40);
        byte[] framed = new byte[payload.length + 10];
        System.arraycopy(payload, 0, framed, 5, payload.length);
        assertThat(reader.read(framed, 5, payload.length)).isTrue();
        assertThat(reader.stream()).isEqualTo(3);
        assertThat(reader.seq()).isEqualTo(7);
        assertThat(reader.sendMicros()).isEqualTo(99);
    }

    @Test
    void roundTripsFromAByteBufWithoutMovingItsIndexes() {
        ByteBuf buf = Unpooled.wrappedBuffer(BenchPayload.encode(1, 5, 1234, 64));
        try {
            assertThat(reader.read(buf)).isTrue();
            assertThat(reader.seq()).isEqualTo(5);
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @Test
    void rejectsWhatIsNotAPayload() {
        for (String s : new String[] {"", "hello", "1 2", "1 2 3", " 1 2 3 ", "1  2 3 ", "1 2 x3 ", "-1 2 3 ",
                "1 2 1234567890123456789 ", "{\"reset\":true}"}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertThat(reader.read(b, 0, b.length)).as("'%s'", s).isFalse();
        }
    }

    @Test
    void aByteBufReadsLikeTheSameBytesInAnArray() {
        // the ByteBuf reader looks at a bounded prefix only; it must never decide differently
        String[] cases = {
            "0 42 1732190000123456 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "123456789012345678 123456789012345678 123456789012345678 xxxxxxxxxxxxxxxx",
            "123456789012345678 123456789012345678 123456789012345678 ",
            "123456789012345678 123456789012345678 1234567890123456789 xxxxxxxxxxxxxx",
            "123456789012345678 123456789012345678 123456789012345678",
            "2147483648 1 2 xxxx", "2147483647 1 2 xxxx", "1 2 3 ", "1 2 3", "1 2 3 4 5 6", "",
            "999999999999999999 999999999999999999 99999999999999999 999999999999",
            "{\"reset\":true}"};
        for (String text : cases) {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            boolean expected = reader.read(bytes, 0, bytes.length);
            long[] fields = {reader.stream(), reader.seq(), reader.sendMicros()};
            ByteBuf heap = Unpooled.wrappedBuffer(bytes);
            ByteBuf direct = Unpooled.directBuffer(bytes.length + 8).writeZero(5).writeBytes(bytes).skipBytes(5);
            ByteBuf composite = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(bytes, 0, bytes.length / 3),
                    Unpooled.wrappedBuffer(bytes, bytes.length / 3, bytes.length - bytes.length / 3));
            for (ByteBuf buf : new ByteBuf[] {heap, direct, composite}) {
                try {
                    int readerIndex = buf.readerIndex();
                    assertThat(reader.read(buf)).as("'%s' in %s", text, buf).isEqualTo(expected);
                    if (expected) {
                        assertThat(new long[] {reader.stream(), reader.seq(), reader.sendMicros()}).isEqualTo(fields);
                    }
                    assertThat(buf.readerIndex()).isEqualTo(readerIndex);
                } finally {
                    buf.release();
                }
            }
        }
    }
}
