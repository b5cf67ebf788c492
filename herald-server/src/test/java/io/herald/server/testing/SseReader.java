package io.herald.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small pull parser of {@code text/event-stream} for tests, following the WHATWG HTML standard's
 * "Parsing an event stream": lines end with CR, LF or CRLF; {@code field: value} strips one space;
 * {@code data} lines join with LF; a blank line dispatches; lines starting with {@code :} are
 * comments; the last event id carries over. Not thread-safe.
 */
public final class SseReader implements AutoCloseable {
    /** One dispatched event, or a comment when {@code comment} is non-null. */
    public record Event(String id, String event, String data, String comment, Long retry) {
        /** Whether this is a comment line rather than an event. */
        public boolean isComment() {
            return comment != null;
        }
    }

    private final PushbackInputStream in;
    private String lastId = "";

    public SseReader(InputStream in) {
        this.in = new PushbackInputStream(in, 1);
    }

    /** The last event id seen (what a browser would send as Last-Event-ID). */
    public String lastId() {
        return lastId;
    }

    /**
     * Reads until the next event or comment; returns null at end of stream. A {@code retry} field is
     * returned as an event with only {@code retry} set when a blank line follows it.
     */
    public Event next() throws IOException {
        String eventType = null;
        StringBuilder data = null;
        Long retry = null;
        boolean sawField = false;
        for (;;) {
            String line = readLine();
            if (line == null) {
                return null;
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(lastId, eventType == null ? "message" : eventType, data.toString(), null, retry);
                }
                if (retry != null) {
                    return new Event(lastId, null, null, null, retry);
                }
                eventType = null;
                sawField = false;
                continue;
            }
            if (line.startsWith(":")) {
                if (!sawField) {
                    return new Event(lastId, null, null, line.substring(1), null);
                }
                continue;
            }
            sawField = true;
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> eventType = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                }
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastId = value;
                    }
                }
                case "retry" -> {
                    if (value.matches("\\d+")) {
                        retry = Long.parseLong(value);
                    }
                }
                default -> {
                    // ignored per the standard
                }
            }
        }
    }

    /** The next event that is not a comment or a bare retry; null at end of stream. */
    public Event nextEvent() throws IOException {
        for (;;) {
            Event e = next();
            if (e == null || (!e.isComment() && e.data() != null)) {
                return e;
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\r') {
                int next = in.read();
                if (next >= 0 && next != '\n') {
                    in.unread(next);
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
