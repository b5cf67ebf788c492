package io.herald.core;

import java.util.Objects;

/**
 * A position in a channel's stream: an epoch and an offset, written on the wire as the opaque id
 * {@code EPOCH-OFFSET} (e.g. {@code k3x9ab-42}).
 *
 * <p>Offset 0 is the position before the first publication. Clients never parse ids; they hand them
 * back to resume (docs/protocol.md, "Ids, offsets and epochs" and "Resume rule"). Immutable and thread-safe.
 *
 * @param epoch  one continuous life of the channel's stream, {@code [a-z0-9]{1,32}}
 * @param offset the offset of the last publication at or before this position, {@code >= 0}
 */
public record StreamPosition(String epoch, long offset) {

    public StreamPosition {
        Objects.requireNonNull(epoch, "epoch");
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
    }

    /**
     * Parses an id as written by {@link #id()}.
     *
     * @param id the id, e.g. {@code "k3x9ab-42"}
     * @return the position
     * @throws HeraldException {@link ErrorCode#INVALID_SINCE} when {@code id} is not of that form
     */
    public static StreamPosition parse(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        if (dash <= 0 || dash > 32 || dash == id.length() - 1 || id.length() - dash - 1 > 19) {
            throw invalid(id);
        }
        for (int i = 0; i < dash; i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                throw invalid(id);
            }
        }
        long offset = 0;
        for (int i = dash + 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(id);
            }
            offset = offset * 10 + (c - '0');
            if (offset < 0) {
                throw invalid(id);
            }
        }
        return new StreamPosition(id.substring(0, dash), offset);
    }

    /** Parses {@code id}, or returns null when it is null or empty. */
    public static StreamPosition parseOrNull(String id) {
        return id == null || id.isEmpty() ? null : parse(id);
    }

    private static HeraldException invalid(String id) {
        return new HeraldException(ErrorCode.INVALID_SINCE,
                "since " + Names.quote(id) + " (expected: an id given by this server, EPOCH-OFFSET)");
    }

    /** The opaque wire id, {@code EPOCH-OFFSET}. */
    public String id() {
        return epoch + "-" + offset;
    }

    @Override
    public String toString() {
        return id();
    }
}
