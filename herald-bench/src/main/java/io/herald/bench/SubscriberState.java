package io.herald.bench;

import io.netty.buffer.ByteBuf;

/**
 * The accounting of one subscriber: one {@link SequenceTracker} per publisher stream, fed with
 * the payloads its connection receives.
 *
 * <p>Not thread-safe: written on the connection's event loop only; read after the event loops
 * have stopped.
 */
public final class SubscriberState {
    private final Deliveries deliveries;
    private final SequenceTracker[] streams;
    private final BenchPayload.Reader reader = new BenchPayload.Reader();
    /** The recording lane of this subscriber's thread, taken on the first delivery. */
    private Deliveries.Lane lane;
    /** Resume mode: the last event id received, what a reconnect sends as {@code Last-Event-ID}; or null. */
    private String lastEventId;
    /** Resets received, and resumes (reconnects after the server ended the connection or it dropped). */
    private int resets;
    private int resumes;
    /** When the last reset arrived and when the first publication after it did (epoch ms), or 0. */
    private long lastResetMillis;
    private long firstAfterResetMillis;

    /**
     * @param deliveries the run's shared counters
     * @param streams    how many publisher streams to expect (stream numbers {@code 0 .. streams-1})
     */
    public SubscriberState(Deliveries deliveries, int streams) {
        this.deliveries = deliveries;
        this.streams = new SequenceTracker[streams];
        for (int i = 0; i < streams; i++) {
            this.streams[i] = new SequenceTracker();
        }
    }

    /**
     * Accounts one received message whose data are {@code bytes[offset .. offset+length)},
     * received now.
     *
     * @return false when the data are not a benchmark payload (counted as malformed by the caller's choice)
     */
    public boolean onPayload(byte[] bytes, int offset, int length) {
        return onPayload(bytes, offset, length, deliveries.clock().nowMicros());
    }

    /**
     * Accounts one received message whose data are {@code bytes[offset .. offset+length)}.
     *
     * @param receiveMicros when the bytes were read, in {@link MicroClock} microseconds; the
     *                      latency is this minus the send time in the payload
     * @return false when the data are not a benchmark payload (counted as malformed by the caller's choice)
     */
    public boolean onPayload(byte[] bytes, int offset, int length, long receiveMicros) {
        return reader.read(bytes, offset, length) && account(receiveMicros);
    }

    /**
     * Accounts one received message whose data are the readable bytes of {@code data} (its
     * indexes are left unchanged).
     *
     * @param receiveMicros when the bytes were read, in {@link MicroClock} microseconds
     * @return false when the data are not a benchmark payload
     */
    public boolean onPayload(ByteBuf data, long receiveMicros) {
        return reader.read(data) && account(receiveMicros);
    }

    private boolean account(long receiveMicros) {
        int stream = reader.stream();
        if (stream >= streams.length) {
            return false;
        }
        if (lastResetMillis != 0 && firstAfterResetMillis == 0) {
            firstAfterResetMillis = System.currentTimeMillis();
        }
        if (streams[stream].record(reader.seq()) != SequenceTracker.Outcome.DUPLICATE) {
            if (lane == null) {
                lane = deliveries.lane();
            }
            lane.recordDistinct(reader.sendMicros(), receiveMicros);
        }
        return true;
    }

    /**
     * The server sent the reset signal (docs/protocol.md, "Reset signal"): what this subscriber does
     * not receive from here to its next publication was skipped by the reset, not lost; the time of
     * the reset and of that next publication are kept (the recovery after a Redis restart).
     */
    public void onReset() {
        resets++;
        lastResetMillis = System.currentTimeMillis();
        firstAfterResetMillis = 0;
        for (SequenceTracker t : streams) {
            t.onReset();
        }
    }

    /** Resume mode: remembers the last event id, sent again when the subscriber reconnects. */
    void lastEventId(String id) {
        if (id != null && !id.isEmpty()) {
            lastEventId = id;
        }
    }

    /** The last event id seen, or null. */
    String lastEventId() {
        return lastEventId;
    }

    /** Counts a reconnect of this subscriber. */
    void onResume() {
        resumes++;
    }

    /** Resets received. */
    public int resets() {
        return resets;
    }

    /** Reconnects made. */
    public int resumes() {
        return resumes;
    }

    /** When the last reset arrived (epoch ms), or 0. */
    public long lastResetMillis() {
        return lastResetMillis;
    }

    /** When the first publication after the last reset arrived (epoch ms), or 0. */
    public long firstAfterResetMillis() {
        return firstAfterResetMillis;
    }

    /** The tracker of stream {@code stream}. */
    public SequenceTracker stream(int stream) {
        return streams[stream];
    }

    /** How many streams are tracked. */
    public int streamCount() {
        return streams.length;
    }
}
