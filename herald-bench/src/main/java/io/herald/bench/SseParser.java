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
    private byte[] line = new byte[128];
    private int lineLength;
    private byte[] data = new byte[128];
    private int dataLength;
    private byte[] type = new byte[16];
    private int typeLength;
    private byte[] lastId = new byte[0];
    private String lastIdText = "";
    private boolean afterCr;
    private int bomMatched;
    private boolean started;

    /** @param listener receives the events */
    public SseParser(Listener listener) {
        this.listener = listener;
    }

    /** Feeds {@code length} bytes of {@code bytes} from {@code offset}. */
    public void feed(byte[] bytes, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            byte b = bytes[i];
            if (!started && skipBom(b)) {
                continue;
            }
            if (b == '\r') {
                endLine();
                afterCr = true;
            } else if (b == '\n') {
                if (!afterCr) {
                    endLine();
                }
                afterCr = false;
            } else {
                afterCr = false;
                appendToLine(b);
            }
        }
    }

    /** The last event id: the value of the latest valid {@code id:} field, or empty. */
    public String lastEventId() {
        return lastIdText;
    }

    private boolean skipBom(byte b) {
        if (b == BOM[bomMatched]) {
            if (++bomMatched == BOM.length) {
                started = true;
            }
            return true;
        }
        started = true;
        for (int i = 0; i < bomMatched; i++) {
            appendToLine(BOM[i]);
        }
        bomMatched = 0;
        return false;
    }

    private void appendToLine(byte b) {
        if (lineLength == line.length) {
            line = Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = b;
    }

    private void endLine() {
        int length = lineLength;
        lineLength = 0;
        if (length == 0) {
            dispatch();
            return;
        }
        if (line[0] == ':') {
            return;
        }
        int colon = indexOf(line, length, (byte) ':');
        int nameEnd = colon < 0 ? length : colon;
        int valueStart = colon < 0 ? length : colon + 1;
        if (valueStart < length && line[valueStart] == ' ') {
            valueStart++;
        }
        int valueLength = length - valueStart;
        if (is("data", nameEnd)) {
            ensureData(dataLength + valueLength + 1);
            System.arraycopy(line, valueStart, data, dataLength, valueLength);
            dataLength += valueLength;
            data[dataLength++] = '\n';
        } else if (is("event", nameEnd)) {
            if (type.length < valueLength) {
                type = new byte[valueLength];
            }
            System.arraycopy(line, valueStart, type, 0, valueLength);
            typeLength = valueLength;
        } else if (is("id", nameEnd)) {
            if (indexOf(line, length, (byte) 0) < 0
                    && !Arrays.equals(lastId, 0, lastId.length, line, valueStart, length)) {
                lastId = Arrays.copyOfRange(line, valueStart, length);
                lastIdText = new String(lastId, StandardCharsets.UTF_8);
            }
        } else if (is("retry", nameEnd)) {
            retry(valueStart, length);
        }
    }

    private void retry(int from, int to) {
        if (from == to || to - from > 18) {
            return;
        }
        long millis = 0;
        for (int i = from; i < to; i++) {
            if (line[i] < '0' || line[i] > '9') {
                return;
            }
            millis = millis * 10 + (line[i] - '0');
        }
        listener.onRetry(millis);
    }

    private void dispatch() {
        if (dataLength == 0) {
            typeLength = 0;
            return;
        }
        int length = dataLength - 1;
        String eventType = typeLength == 0 ? MESSAGE : new String(type, 0, typeLength, StandardCharsets.UTF_8);
        dataLength = 0;
        typeLength = 0;
        listener.onEvent(eventType, data, length);
    }

    private void ensureData(int capacity) {
        if (data.length < capacity) {
            data = Arrays.copyOf(data, Math.max(capacity, data.length * 2));
        }
    }

    private boolean is(String name, int nameLength) {
        if (nameLength != name.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (line[i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
