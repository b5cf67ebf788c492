package io.herald.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A push parser of {@code text/event-stream} bytes (WHATWG HTML standard, section 9.2.6
 * "Interpreting an event stream"): feed it the body in chunks of any size; it calls the
 * {@link Listener} once per dispatched event.
 *
 * <p>Rules followed: lines end with CR, LF or CRLF (also when CR and LF arrive in different
 * chunks); one leading byte-order mark is skipped; lines starting with {@code :} are comments;
 * {@code field:value} loses one space after the colon, a line without a colon is a field with an
 * empty value; {@code data} lines are joined with LF; an empty line dispatches the event unless
 * no data line came, and resets the data and event type; the event type defaults to
 * {@code message}; {@code id} persists across events and is ignored when it contains NUL;
 * {@code retry} is taken only when it is all ASCII digits; unknown fields are ignored.
 * Works on bytes: CR, LF, {@code :} and space never occur inside a UTF-8 multi-byte sequence.
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
public final class SseParser {
    /** Receives parsed events; called on the thread that calls {@link #feed}. */
    public interface Listener {
        /**
         * One dispatched event.
         *
         * @param type   the event type ({@code message} unless an {@code event:} field said otherwise)
         * @param data   the data lines joined with LF, in {@code data[0 .. length)}; the array is
         *               reused after this call returns
         * @param length the data length in bytes
         */
        void onEvent(String type, byte[] data, int length);

        /** A valid {@code retry:} field, in milliseconds. Does nothing by default. */
        default void onRetry(long millis) {
        }
    }

    private static final String MESSAGE = "message";
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final Listener listener;
    /** The start of a line whose end has not arrived yet. */
    private byte[] line = new byte[128];
    private int lineLength;
    private byte[] data = new byte[128];
    private int dataLength;
    private byte[] type = new byte[16];
    private int typeLength;
    private byte[] id = new byte[16];
    private int idLength;
    private String idText = "";
    private boolean idDecoded = true;
    private boolean afterCr;
    private int bomMatched;
    private boolean started;

    /** @param listener receives the events */
    public SseParser(Listener listener) {
        this.listener = listener;
    }

    /**
     * Feeds {@code length} bytes of {@code bytes} from {@code offset}. Complete lines are parsed
     * in place; only a line cut by the chunk's end is copied until its end arrives.
     */
    public void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (!started && i < end) {
            if (bytes[i] == BOM[bomMatched]) {
                i++;
                if (++bomMatched == BOM.length) {
                    started = true;
                }
            } else {
                started = true;
                appendToLine(BOM, 0, bomMatched);
            }
        }
        if (afterCr && i < end) {
            afterCr = false;
            if (bytes[i] == '\n') {
                i++;
            }
        }
        while (i < end) {
            int j = i;
            while (j < end && bytes[j] != '\n' && bytes[j] != '\r') {
                j++;
            }
            if (j == end) {
                appendToLine(bytes, i, end - i);
                return;
            }
            if (lineLength == 0) {
                processLine(bytes, i, j - i);
            } else {
                appendToLine(bytes, i, j - i);
                int pending = lineLength;
                lineLength = 0;
                processLine(line, 0, pending);
            }
            if (bytes[j] == '\r') {
                if (j + 1 == end) {
                    afterCr = true;
                } else if (bytes[j + 1] == '\n') {
                    j++;
                }
            }
            i = j + 1;
        }
    }

    /** The last event id: the value of the latest valid {@code id:} field, or empty. */
    public String lastEventId() {
        if (!idDecoded) {
            idText = new String(id, 0, idLength, StandardCharsets.UTF_8);
            idDecoded = true;
        }
        return idText;
    }

    private void appendToLine(byte[] bytes, int from, int length) {
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.max(lineLength + length, line.length * 2));
        }
        System.arraycopy(bytes, from, line, lineLength, length);
        lineLength += length;
    }

    /** One line without its end, in {@code buf[from .. from+length)}. */
    private void processLine(byte[] buf, int from, int length) {
        if (length == 0) {
            dispatch();
            return;
        }
        if (buf[from] == ':') {
            return;
        }
        int end = from + length;
        int colon = indexOf(buf, from, end, (byte) ':');
        int nameLength = (colon < 0 ? end : colon) - from;
        int valueStart = colon < 0 ? end : colon + 1;
        if (valueStart < end && buf[valueStart] == ' ') {
            valueStart++;
        }
        int valueLength = end - valueStart;
        if (is("data", buf, from, nameLength)) {
            ensureData(dataLength + valueLength + 1);
            System.arraycopy(buf, valueStart, data, dataLength, valueLength);
            dataLength += valueLength;
            data[dataLength++] = '\n';
        } else if (is("id", buf, from, nameLength)) {
            if (indexOf(buf, valueStart, end, (byte) 0) < 0
                    && !Arrays.equals(id, 0, idLength, buf, valueStart, end)) {
                if (id.length < valueLength) {
                    id = new byte[valueLength];
                }
                System.arraycopy(buf, valueStart, id, 0, valueLength);
                idLength = valueLength;
                idDecoded = false;
            }
        } else if (is("event", buf, from, nameLength)) {
            if (type.length < valueLength) {
                type = new byte[valueLength];
            }
            System.arraycopy(buf, valueStart, type, 0, valueLength);
            typeLength = valueLength;
        } else if (is("retry", buf, from, nameLength)) {
            retry(buf, valueStart, end);
        }
    }

    private void retry(byte[] buf, int from, int to) {
        if (from == to || to - from > 18) {
            return;
        }
        long millis = 0;
        for (int i = from; i < to; i++) {
            if (buf[i] < '0' || buf[i] > '9') {
                return;
            }
            millis = millis * 10 + (buf[i] - '0');
        }
        listener.onRetry(millis);
    }

    private void dispatch() {
        if (dataLength == 0) {
            typeLength = 0;
            return;
        }
        int length = dataLength - 1;
        String eventType = typeLength == 0 || is(MESSAGE, type, 0, typeLength) ? MESSAGE
                : new String(type, 0, typeLength, StandardCharsets.UTF_8);
        dataLength = 0;
        typeLength = 0;
        listener.onEvent(eventType, data, length);
    }

    private void ensureData(int capacity) {
        if (data.length < capacity) {
            data = Arrays.copyOf(data, Math.max(capacity, data.length * 2));
        }
    }

    private static boolean is(String name, byte[] buf, int from, int length) {
        if (length != name.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf[from + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
