package io.herald.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An event stream parser, WHATWG HTML "Server-sent events", section "Interpreting an event stream":
 * lines end with CRLF, LF or CR (a CR at the end of one buffer and an LF at the start of the next are
 * one line end); a leading UTF-8 BOM is skipped; a line starting with {@code :} is a comment; a
 * field's value loses one leading space; {@code data} lines join with LF; {@code id} sets the last
 * event id (kept across events; ignored when it contains NULL); {@code retry} with ASCII digits only
 * sets the reconnection time; a blank line dispatches the event, or nothing when no data was given;
 * an event not ended by a blank line when the stream ends is dropped. Unknown fields are ignored.
 *
 * <p>Pull style, for backpressure: {@link #next(ByteBuffer)} consumes bytes only up to the next
 * event, so a caller with no room for another event stops feeding and keeps the rest of the
 * buffer. Not thread-safe: one stream, one caller at a time.
 */
final class SseParser {
    /** An event: its type ({@code message} when no {@code event:} field was given), data, and the last event id then (null: none). */
    record Event(String type, String data, String lastEventId) {
    }

    private final int maxLineBytes;
    private byte[] line = new byte[256];
    private int lineLength;
    private boolean afterCr;
    private boolean started;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventType;
    private String lastEventId;
    private long retryMillis = -1;

    /** @param maxLineBytes the longest line accepted (bytes without its end); longer fails {@link #next} */
    SseParser(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Reads {@code buffer} up to and including the next dispatched event.
     *
     * @return the event, or null when the buffer ran out first (its position is then at its limit)
     * @throws HeraldClientException {@code protocol_error} for a line over the bound
     */
    Event next(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\r' || b == '\n') {
                afterCr = b == '\r';
                Event e = line();
                if (e != null) {
                    return e;
                }
            } else {
                if (lineLength == maxLineBytes) {
                    throw new HeraldClientException("protocol_error", "an event stream line over " + maxLineBytes + " bytes", 0, null);
                }
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
                }
                line[lineLength++] = b;
            }
        }
        return null;
    }

    /** The last {@code retry:} value in milliseconds, or -1 when none came. */
    long retryMillis() {
        return retryMillis;
    }

    /** The last event id buffer (null: none). */
    String lastEventId() {
        return lastEventId;
    }

    private Event line() {
        int start = 0;
        if (!started) {
            started = true;
            if (lineLength >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) {
                start = 3;
            }
        }
        String text = new String(line, start, lineLength - start, StandardCharsets.UTF_8);
        lineLength = 0;
        if (text.isEmpty()) {
            return dispatch();
        }
        if (text.charAt(0) == ':') {
            return null;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event":
                eventType = value;
                break;
            case "data":
                data.append(value).append('\n');
                hasData = true;
                break;
            case "id":
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
                break;
            case "retry":
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    try {
                        retryMillis = Long.parseLong(value);
                    } catch (NumberFormatException tooLong) {
                        // digits beyond a long: ignored like any value the parser cannot use
                    }
                }
                break;
            default:
                break;
        }
        return null;
    }

    private Event dispatch() {
        String type = eventType == null || eventType.isEmpty() ? "message" : eventType;
        eventType = null;
        if (!hasData) {
            data.setLength(0);
            return null;
        }
        data.setLength(data.length() - 1);
        Event e = new Event(type, data.toString(), lastEventId == null || lastEventId.isEmpty() ? null : lastEventId);
        data.setLength(0);
        hasData = false;
        return e;
    }
}
