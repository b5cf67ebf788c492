package io.herald.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The payload of a benchmark publication: ASCII text {@code "<stream> <seq> <sendMicros> "} padded
 * with {@code 'x'} to a fixed size, e.g. {@code "0 42 1732190000123456 xxxxxxxx..."}.
 *
 * <p>{@code stream} is the publisher connection (each publishes its own sequence in order),
 * {@code seq} the sequence number on that stream from 0, {@code sendMicros} the
 * {@link MicroClock} time the request was written. The payload is one line of plain text, so
 * every transport carries it unchanged (an SSE {@code data:} line, a WebSocket text frame, a JSON
 * string in a long-poll envelope).
 */
public final class BenchPayload {
    /** The smallest payload size accepted: room for the header of a typical publication. */
    public static final int MIN_BYTES = 32;

    private BenchPayload() {
    }

    /**
     * Encodes one payload.
     *
     * @param stream     the stream number, {@code >= 0}
     * @param seq        the sequence number, {@code >= 0}
     * @param sendMicros the send time in microseconds
     * @param size       the size in bytes to pad to; when the header alone is longer, the payload is
     *                   the header (no padding)
     * @return a new array
     */
    public static byte[] encode(int stream, long seq, long sendMicros, int size) {
        byte[] header = (stream + " " + seq + " " + sendMicros + " ").getBytes(StandardCharsets.US_ASCII);
        if (header.length >= size) {
            return header;
        }
        byte[] out = Arrays.copyOf(header, size);
        Arrays.fill(out, header.length, size, (byte) 'x');
        return out;
    }

    /**
     * Reads payloads without allocating: {@link #read} parses and the accessors return the fields
     * of the last successful read. Not thread-safe; one per event loop or per subscriber.
     */
    public static final class Reader {
        /**
         * The longest header a payload can have: three fields of at most 18 digits, each followed
         * by a space. A parse that has not completed the three fields within this many bytes
         * fails, so looking further never changes the outcome.
         */
        static final int HEADER_BYTES = 3 * (18 + 1);

        private final long[] fields = new long[3];
        private final byte[] header = new byte[HEADER_BYTES];

        /**
         * Parses {@code length} bytes of {@code bytes} from {@code offset}.
         *
         * @return false when they are not a benchmark payload
         */
        public boolean read(byte[] bytes, int offset, int length) {
            int field = 0;
            long value = 0;
            int digits = 0;
            for (int i = offset, end = offset + length; i < end && field < 3; i++) {
                byte b = bytes[i];
                if (b >= '0' && b <= '9') {
                    if (++digits > 18) {
                        return false;
                    }
                    value = value * 10 + (b - '0');
                } else if (b == ' ' && digits > 0) {
                    fields[field++] = value;
                    value = 0;
                    digits = 0;
                } else {
                    return false;
                }
            }
            return field == 3 && fields[0] <= Integer.MAX_VALUE;
        }

        /**
         * Parses the readable bytes of {@code buf} without changing its indexes. Copies at most
         * {@link #HEADER_BYTES} bytes (one bulk copy, instead of a checked access per byte).
         */
        public boolean read(ByteBuf buf) {
            int length = Math.min(buf.readableBytes(), HEADER_BYTES);
            buf.getBytes(buf.readerIndex(), header, 0, length);
            return read(header, 0, length);
        }

        /** The stream number of the last payload read. */
        public int stream() {
            return (int) fields[0];
        }

        /** The sequence number of the last payload read. */
        public long seq() {
            return fields[1];
        }

        /** The send time in microseconds of the last payload read. */
        public long sendMicros() {
            return fields[2];
        }
    }
}
