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
     * Accounts one received message whose data are {@code bytes[offset .. offset+length)}.
     *
     * @return false when the data are not a benchmark payload (counted as malformed by the caller's choice)
     */
    public boolean onPayload(byte[] bytes, int offset, int length) {
        return reader.read(bytes, offset, length) && account();
    }

    /** Accounts one received message whose data are the readable bytes of {@code data}. */
    public boolean onPayload(ByteBuf data) {
        return reader.read(data) && account();
    }

    private boolean account() {
        int stream = reader.stream();
        if (stream >= streams.length) {
            return false;
        }
        if (streams[stream].record(reader.seq()) != SequenceTracker.Outcome.DUPLICATE) {
            deliveries.recordDistinct(reader.sendMicros());
        }
        return true;
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
