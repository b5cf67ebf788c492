package io.herald.bench;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What all subscribers of one run share: the clock, the latency recorder and run-wide counters.
 * Per-subscriber accounting lives in {@link SubscriberState}.
 *
 * <p>The measured window is switched on and off with {@link #startWindow()} and
 * {@link #endWindow()}; only deliveries arriving inside it count in {@link #windowDeliveries()}
 * and the latency histogram. Thread-safe: subscribers on any event loop record concurrently.
 */
public final class Deliveries {
    /** The largest latency recorded, in microseconds (one hour); longer ones are recorded as this. */
    static final long MAX_LATENCY_MICROS = 3_600_000_000L;

    private final MicroClock clock;
    /** One recorder per recording thread, so that event loops never contend on one. */
    private final List<Recorder> recorders = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<Recorder> latency = new FastThreadLocal<>() {
        @Override
        protected Recorder initialValue() {
            Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
            recorders.add(recorder);
            return recorder;
        }
    };
    private final LongAdder distinct = new LongAdder();
    private final LongAdder windowDeliveries = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder controlEvents = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder pollErrors = new LongAdder();
    private volatile boolean measuring;

    /** @param clock the clock publishers stamp payloads with */
    public Deliveries(MicroClock clock) {
        this.clock = clock;
    }

    /** The clock. */
    public MicroClock clock() {
        return clock;
    }

    /**
     * Records one first arrival (not a duplicate) of a publication sent at {@code sendMicros}.
     * Called by subscribers on their event loops.
     */
    void recordDistinct(long sendMicros) {
        distinct.increment();
        if (measuring) {
            windowDeliveries.increment();
            long micros = clock.nowMicros() - sendMicros;
            latency.get().recordValue(Math.min(Math.max(micros, 0), MAX_LATENCY_MICROS));
        }
    }

    void recordDisconnect() {
        disconnects.increment();
    }

    void recordMalformed() {
        malformed.increment();
    }

    void recordControlEvent() {
        controlEvents.increment();
    }

    void recordReset() {
        resets.increment();
    }

    void recordPollError() {
        pollErrors.increment();
    }

    /** Starts the measured window: clears the latency histogram and counts from now on. */
    public void startWindow() {
        for (Recorder recorder : recorders) {
            recorder.reset();
        }
        windowDeliveries.reset();
        measuring = true;
    }

    /**
     * Ends the measured window.
     *
     * @return the latencies of the window's deliveries, in microseconds
     */
    public Histogram endWindow() {
        measuring = false;
        Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
        for (Recorder recorder : recorders) {
            total.add(recorder.getIntervalHistogram());
        }
        return total;
    }

    /** First arrivals so far, over the whole run (all subscribers, all streams). */
    public long distinct() {
        return distinct.sum();
    }

    /** First arrivals inside the measured window. */
    public long windowDeliveries() {
        return windowDeliveries.sum();
    }

    /** Subscriber connections that ended before the run closed them. */
    public long disconnects() {
        return disconnects.sum();
    }

    /** Messages whose data was not a {@link BenchPayload} (or named an unknown stream). */
    public long malformed() {
        return malformed.sum();
    }

    /** Events of another type than {@code message} that carried no payload (e.g. {@code herald-reset}). */
    public long controlEvents() {
        return controlEvents.sum();
    }

    /** Long-poll responses that said {@code "reset":true}. */
    public long resets() {
        return resets.sum();
    }

    /** Long-poll requests answered with an error status. */
    public long pollErrors() {
        return pollErrors.sum();
    }
}
