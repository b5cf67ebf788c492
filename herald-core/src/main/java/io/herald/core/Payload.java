package io.herald.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The data of a publication as it was published: bytes plus what they are.
 *
 * <p>{@link Kind#JSON} bytes are one valid JSON value in UTF-8 (the publisher checked it),
 * {@link Kind#TEXT} bytes are valid UTF-8, {@link Kind#BINARY} bytes are anything. The array is
 * owned by the payload and must not be modified after construction: it is shared by every
 * subscriber and every wire encoding. Immutable and thread-safe.
 *
 * @param kind        what the bytes are
 * @param contentType the media type as published, e.g. {@code "application/json"}; never null
 * @param bytes       the payload bytes, never null, not copied
 */
public record Payload(Kind kind, String contentType, byte[] bytes) {

    /** What a payload's bytes are, which decides how each wire format carries them. */
    public enum Kind {
        /** One JSON value; envelopes embed it as is. */
        JSON,
        /** UTF-8 text; envelopes carry it as a JSON string. */
        TEXT,
        /** Arbitrary bytes; envelopes carry them base64-encoded in {@code data_b64}. */
        BINARY
    }

    public Payload {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** A UTF-8 text payload of type {@code text/plain; charset=utf-8}. */
    public static Payload text(String text) {
        return new Payload(Kind.TEXT, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A JSON payload of type {@code application/json}. The caller vouches that {@code json} is one
     * valid JSON value; the HTTP publisher checks it before calling this.
     */
    public static Payload json(String json) {
        return new Payload(Kind.JSON, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A binary payload of type {@code application/octet-stream}; the array is not copied. */
    public static Payload binary(byte[] bytes) {
        return new Payload(Kind.BINARY, "application/octet-stream", bytes);
    }

    /** The payload size in bytes. */
    public int size() {
        return bytes.length;
    }

    /** The bytes decoded as UTF-8 (for {@link Kind#BINARY} this is lossy). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && p.kind == kind && p.contentType.equals(contentType)
                && java.util.Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes) * 31 + kind.hashCode();
    }

    @Override
    public String toString() {
        return "Payload[" + kind + ", " + contentType + ", " + bytes.length + " bytes]";
    }
}
