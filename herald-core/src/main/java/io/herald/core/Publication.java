package io.herald.core;

import io.herald.core.hub.Push;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * One message on a channel, as stored in history and fanned out to subscribers.
 *
 * <p>The fields are immutable. Besides them, a publication carries a small cache of its wire
 * encodings ({@link #encoded(Encoding)}): each transport encodes a publication once per wire format
 * and every subscriber of that format shares the result. Thread-safe.
 */
public final class Publication implements Push {
    private final String channel;
    private final long offset;
    private final String epoch;
    private final String event;
    private final Payload data;
    private final long time;
    /** The conflation key (docs/protocol.md, "Conflation"), or null. */
    private final String key;
    /** How many earlier publications of the same channel and key this one replaced in one session's queue. */
    private final int conflated;
    private final AtomicReferenceArray<Object> encodings = new AtomicReferenceArray<>(Encoding.MAX_SLOTS);

    /**
     * @param channel the channel name (valid per {@link Names#isChannel})
     * @param offset  the offset in the channel's stream, from 1, exactly +1 per publication
     * @param epoch   the epoch of the channel's stream when it was published
     * @param event   the event type (valid per {@link Names#isEvent}); {@code "message"} by default
     * @param data    the payload
     * @param time    the publish time, milliseconds since the Unix epoch
     */
    public Publication(String channel, long offset, String epoch, String event, Payload data, long time) {
        this(channel, offset, epoch, event, data, time, null);
    }

    /**
     * A publication with a conflation key (docs/protocol.md, "Conflation").
     *
     * @param key the conflation key (valid per {@link Names#isPublicationKey}), or null for none
     * @see #Publication(String, long, String, String, Payload, long)
     */
    public Publication(String channel, long offset, String epoch, String event, Payload data, long time, String key) {
        this(channel, offset, epoch, event, data, time, key, 0);
    }

    private Publication(String channel, long offset, String epoch, String event, Payload data, long time, String key,
                        int conflated) {
        this.key = key;
        this.conflated = conflated;
        this.channel = Objects.requireNonNull(channel, "channel");
        this.epoch = Objects.requireNonNull(epoch, "epoch");
        this.event = Objects.requireNonNull(event, "event");
        this.data = Objects.requireNonNull(data, "data");
        if (offset < 1) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 1)");
        }
        this.offset = offset;
        this.time = time;
    }

    /** The channel name. */
    public String channel() {
        return channel;
    }

    /** The offset in the channel's stream: from 1, exactly +1 per publication. */
    public long offset() {
        return offset;
    }

    /** The epoch of the channel's stream when this was published. */
    public String epoch() {
        return epoch;
    }

    /** The event type, {@code message} by default. */
    public String event() {
        return event;
    }

    /** The payload as published. */
    public Payload data() {
        return data;
    }

    /** Publish time in milliseconds since the Unix epoch. */
    public long time() {
        return time;
    }

    /**
     * The conflation key given by the publisher, or null for none: in a namespace with
     * {@code conflation} on, a slow subscriber's queued publication of the same channel and key may
     * be replaced by a newer one (docs/protocol.md, "Conflation").
     */
    public String key() {
        return key;
    }

    /**
     * How many publications of this channel and {@link #key()} this one replaced in the queue of the
     * session it is written to: 0 for a publication as published (shared by every subscriber), at
     * least 1 for the session's own copy made by {@link #conflated(int)}.
     */
    public int conflated() {
        return conflated;
    }

    /**
     * A copy of this publication that says it replaced {@code n} earlier ones of its channel and
     * key, with an encoding cache of its own: its wire encodings (which carry {@code "conflated":n})
     * are made for the one session it is queued for, while every other subscriber keeps sharing
     * this publication's.
     *
     * @param n at least 1
     */
    public Publication conflated(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 1)");
        }
        return new Publication(channel, offset, epoch, event, data, time, key, n);
    }

    /** This publication's stream position. */
    public StreamPosition position() {
        return new StreamPosition(epoch, offset);
    }

    /** The wire id, {@code EPOCH-OFFSET}. */
    public String id() {
        return epoch + "-" + offset;
    }

    /**
     * This publication encoded by {@code encoding}, computed on first use and then shared.
     *
     * <p>Two threads may both compute an encoding on first use; one result wins and is returned to
     * both, so an encoding must be a pure function of the publication and must not hold resources
     * that need releasing (heap bytes, not pooled buffers).
     *
     * @param encoding the wire format
     * @param <T>      the encoded form, e.g. {@code byte[]}
     * @return the encoded form, never null
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Encoding<T> encoding) {
        Object cached = encodings.get(encoding.slot);
        if (cached == null) {
            Object fresh = Objects.requireNonNull(encoding.encoder.apply(this), "encoder result");
            cached = encodings.compareAndExchange(encoding.slot, null, fresh);
            if (cached == null) {
                cached = fresh;
            }
        }
        return (T) cached;
    }

    @Override
    public int estimatedSize() {
        return data.size() + 96;
    }

    @Override
    public String toString() {
        return "Publication[" + channel + " " + id() + " " + event + (key == null ? "" : " key=" + key)
                + (conflated == 0 ? "" : " conflated=" + conflated) + " " + data + "]";
    }

    /**
     * A wire format of publications: a key into their encoding cache plus the function that encodes.
     * Create one per format as a constant; at most {@value #MAX_SLOTS} may exist in a process.
     *
     * @param <T> the encoded form
     */
    public static final class Encoding<T> {
        static final int MAX_SLOTS = 16; // 15 used by herald-server (SSE, XHR, iframe, WebSocket, SSE of several channels, SockJS, Socket.IO)
        private static final java.util.concurrent.atomic.AtomicInteger NEXT = new java.util.concurrent.atomic.AtomicInteger();
        private final int slot;
        private final Function<Publication, T> encoder;
        private final String name;

        private Encoding(String name, Function<Publication, T> encoder) {
            this.name = name;
            this.encoder = encoder;
            this.slot = NEXT.getAndIncrement();
            if (slot >= MAX_SLOTS) {
                throw new IllegalStateException("more than " + MAX_SLOTS + " publication encodings");
            }
        }

        /**
         * Declares a wire format.
         *
         * @param name    for diagnostics, e.g. {@code "sse"}
         * @param encoder a pure function from a publication to its encoded form
         * @throws IllegalStateException when more than {@value #MAX_SLOTS} formats are declared
         */
        public static <T> Encoding<T> of(String name, Function<Publication, T> encoder) {
            return new Encoding<>(name, encoder);
        }

        @Override
        public String toString() {
            return "Encoding[" + name + "]";
        }
    }
}
