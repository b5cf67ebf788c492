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
}
