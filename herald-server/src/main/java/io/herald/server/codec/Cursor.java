package io.herald.server.codec;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The positions of a multi-channel request, one entry per channel in the order of its
 * {@code channel} parameters (docs/protocol.md, "Several channels on one request"): on the wire
 * {@code ENTRY(,ENTRY)*} where an entry is an id {@code EPOCH-OFFSET} or empty (no position).
 *
 * <p>Kept as an epoch and an offset per entry, so that a publication advances its entry without
 * building a string ({@link #advance}) and the SSE {@code id:} line is rendered straight into one
 * byte array ({@link #idLine}): it runs per event per session. Channel lookup is a scan of at most
 * {@link #MAX_CHANNELS} names, first by identity (a publication's channel name is usually the very
 * string subscribed), then by equality.
 *
 * <p>Not thread-safe: one per session, used on its connection's event loop.
 */
public final class Cursor {
    /**
     * Channels per multi-channel request (docs/protocol.md, "Limits"): more is
     * {@code 400 invalid_parameter}.
     */
    public static final int MAX_CHANNELS = 64;

    /** The longest entry: a 32-character epoch, a dash and 19 digits. */
    static final int MAX_ENTRY = 32 + 1 + 19;

    /** The longest cursor: {@link #MAX_CHANNELS} longest entries and their commas (3,391 bytes). */
    public static final int MAX_LENGTH = MAX_CHANNELS * MAX_ENTRY + MAX_CHANNELS - 1;

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);

    private final String[] channels;
    /** An entry's epoch, or null for an empty entry. */
    private final String[] epochs;
    private final long[] offsets;

    private Cursor(String[] channels) {
        this.channels = channels;
        this.epochs = new String[channels.length];
        this.offsets = new long[channels.length];
    }

    /**
     * Parses {@code text} against {@code channels}: exactly one entry per channel, each empty or an
     * id ({@link StreamPosition#parse}). Null or empty is a cursor of empty entries. The length is
     * checked before anything is parsed.
     *
     * @param channels the request's channels, valid and distinct, 1..{@link #MAX_CHANNELS}
     * @param text     the cursor as received, or null
     * @throws HeraldException {@link ErrorCode#INVALID_SINCE} for a cursor longer than
     *                         {@link #MAX_LENGTH}, with another number of entries, or with an entry
     *                         that is not an id
     */
    public static Cursor parse(List<String> channels, String text) {
        Cursor cursor = new Cursor(channels.toArray(new String[0]));
        if (text == null || text.isEmpty()) {
            return cursor;
        }
        if (text.length() > MAX_LENGTH) {
            throw invalid(text.length() + " characters (expected: at most " + MAX_LENGTH + ")");
        }
        int entry = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == ',') {
                if (entry == channels.size()) {
                    throw invalid(entryCount(text) + " entries for " + channels.size() + " channels");
                }
                if (i > start) {
                    StreamPosition p;
                    try {
                        p = StreamPosition.parse(text.substring(start, i));
                    } catch (HeraldException e) {
                        throw invalid("entry " + (entry + 1) + " " + Names.quote(text.substring(start, i))
                                + " is not an id EPOCH-OFFSET");
                    }
                    cursor.epochs[entry] = p.epoch();
                    cursor.offsets[entry] = p.offset();
                }
                entry++;
                start = i + 1;
            }
        }
        if (entry != channels.size()) {
            throw invalid(entry + " entries for " + channels.size() + " channels");
        }
        return cursor;
    }

    private static int entryCount(String text) {
        int n = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ',') {
                n++;
            }
        }
        return n;
    }

    private static HeraldException invalid(String why) {
        return new HeraldException(ErrorCode.INVALID_SINCE, "since: a cursor of " + why
                + " (expected: one entry EPOCH-OFFSET or empty per channel, in the order of the channel parameters, joined by ',')");
    }

    /** How many channels (entries). */
    public int size() {
        return channels.length;
    }

    /** The channel of entry {@code i}. */
    public String channel(int i) {
        return channels[i];
    }

    /** The index of {@code channel}'s entry, or -1. */
    public int indexOf(String channel) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == channel) {
                return i;
            }
        }
        for (int i = 0; i < channels.length; i++) {
            if (channels[i].equals(channel)) {
                return i;
            }
        }
        return -1;
    }

    /** Entry {@code i} as a position, or null when it is empty. */
    public StreamPosition position(int i) {
        return epochs[i] == null ? null : new StreamPosition(epochs[i], offsets[i]);
    }

    /** Whether every entry holds a position. */
    public boolean full() {
        for (String epoch : epochs) {
            if (epoch == null) {
                return false;
            }
        }
        return true;
    }

    /** Sets entry {@code i} to {@code position} (null empties it). */
    public void set(int i, StreamPosition position) {
        epochs[i] = position == null ? null : position.epoch();
        offsets[i] = position == null ? 0 : position.offset();
    }

    /**
     * Sets the entry of {@code publication}'s channel to its id.
     *
     * @return the entry's index, or -1 (nothing changed) when the channel is not one of the cursor's
     */
    public int advance(Publication publication) {
        int i = indexOf(publication.channel());
        if (i >= 0) {
            epochs[i] = publication.epoch();
            offsets[i] = publication.offset();
        }
        return i;
    }

    /** The cursor as written on the wire: entries joined by {@code ,}, an empty entry as nothing. */
    @Override
    public String toString() {
        byte[] bytes = new byte[length()];
        write(bytes, 0);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * The SSE field {@code id: CURSOR} and, with {@code endEvent}, the blank line that ends the event
     * (WHATWG HTML, "Server-sent events": the last event ID is set when the event is dispatched, even
     * one without data), as ASCII bytes in one new array.
     */
    public byte[] idLine(boolean endEvent) {
        int length = length();
        byte[] out = new byte[ID.length + length + (endEvent ? 2 : 1)];
        System.arraycopy(ID, 0, out, 0, ID.length);
        int o = write(out, ID.length);
        out[o++] = '\n';
        if (endEvent) {
            out[o] = '\n';
        }
        return out;
    }

    private int length() {
        int length = channels.length - 1;
        for (int i = 0; i < channels.length; i++) {
            if (epochs[i] != null) {
                length += epochs[i].length() + 1 + digits(offsets[i]);
            }
        }
        return length;
    }

    private int write(byte[] out, int o) {
        for (int i = 0; i < channels.length; i++) {
            if (i > 0) {
                out[o++] = ',';
            }
            String epoch = epochs[i];
            if (epoch != null) {
                for (int c = 0; c < epoch.length(); c++) {
                    out[o++] = (byte) epoch.charAt(c);
                }
                out[o++] = '-';
                long offset = offsets[i];
                int end = o + digits(offset);
                for (int d = end - 1; d >= o; d--) {
                    out[d] = (byte) ('0' + offset % 10);
                    offset /= 10;
                }
                o = end;
            }
        }
        return o;
    }

    private static int digits(long n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }
}
