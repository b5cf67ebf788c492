package io.herald.bench;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * What all subscribers of one run share: the clock, the latency histograms and run-wide counters.
 * Per-subscriber accounting lives in {@link SubscriberState}.
 *
 * <p>The measured window is switched on and off with {@link #startWindow()} and
 * {@link #endWindow()}; only deliveries arriving inside it count in {@link #windowDeliveries()}
 * and the latency histogram.
 *
 * <p>Thread-safe: subscribers on any event loop record concurrently. The hot path (first
 * arrivals) records into a {@link Lane} of the recording thread: a plain {@link Histogram} and
 * plain counters, no atomic instruction and no lock. A lane of a Netty event loop is reset and
 * read by tasks run on that loop, so it is never touched by two threads at once; a lane of any
 * other thread (tests) takes its own lock.
 */
public final class Deliveries {
    /** The largest latency recorded, in microseconds (one hour); longer ones are recorded as this. */
    static final long MAX_LATENCY_MICROS = 3_600_000_000L;

    private final MicroClock clock;
    private final List<Lane> lanes = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<Lane> lane = new FastThreadLocal<>() {
        @Override
        protected Lane initialValue() {
            Lane l = new Lane(ThreadExecutorMap.currentExecutor());
            lanes.add(l);
            return l;
        }
    };
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder controlEvents = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder pollErrors = new LongAdder();
    private volatile boolean measuring;
    /** The number of the current (or last) measured window, from 1; 0 before the first. */
    private volatile int window;
    private volatile long windowDeliveries;

    /** @param clock the clock publishers stamp payloads with */
    public Deliveries(MicroClock clock) {
        this.clock = clock;
    }

    /** The clock. */
    public MicroClock clock() {
        return clock;
    }

    /**
     * The lane of the calling thread, created on first use. A caller that always records from
     * one thread (a subscriber on its event loop) may keep it and skip the thread-local look-up.
     */
    Lane lane() {
        return lane.get();
    }

    /** Whether the measured window is open. */
    boolean measuring() {
        return measuring;
    }

    /**
     * Records one first arrival (not a duplicate) on the calling thread's lane.
     *
     * @param sendMicros    the send time carried in the payload, {@link MicroClock} microseconds
     * @param receiveMicros when the bytes carrying it were read, {@link MicroClock} microseconds
     */
    void recordDistinct(long sendMicros, long receiveMicros) {
        lane.get().recordDistinct(sendMicros, receiveMicros);
    }

    /**
     * The recording state of one thread: first arrivals over the run, and the window's latency
     * histogram (microseconds). Written only by its thread; see the class comment for readers.
     */
    final class Lane {
        private static final VarHandle DISTINCT;

        static {
            try {
                DISTINCT = MethodHandles.lookup().findVarHandle(Lane.class, "distinct", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The owning event loop, or null when the owner is another kind of thread (then: lock). */
        private final EventExecutor executor;
        private final Histogram latency = new Histogram(MAX_LATENCY_MICROS, 3);
        /** Written by the owner with release stores, so that {@link #distinct()} sees progress. */
        private long distinct;
        /** The window {@link #latency} belongs to; the owner clears it when a new window has begun. */
        private int latencyWindow;

        private Lane(EventExecutor executor) {
            this.executor = executor;
        }

        /** See {@link Deliveries#recordDistinct(long, long)}; call on the owning thread only. */
        void recordDistinct(long sendMicros, long receiveMicros) {
            if (executor == null) {
                synchronized (this) {
                    record(sendMicros, receiveMicros);
                }
            } else {
                record(sendMicros, receiveMicros);
            }
        }

        private void record(long sendMicros, long receiveMicros) {
            DISTINCT.setRelease(this, distinct + 1);
            if (measuring) {
                int w = window;
                if (w != latencyWindow) {
                    latency.reset();
                    latencyWindow = w;
                }
                long micros = receiveMicros - sendMicros;
                latency.recordValue(Math.min(Math.max(micros, 0), MAX_LATENCY_MICROS));
            }
        }

        private void awaitTermination() {
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new BenchException("a subscriber event loop did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted", e);
            }
        }

        long distinct() {
            return (long) DISTINCT.getAcquire(this);
        }

        /** Runs {@code task} where it cannot race with recording, and waits for it. */
        void exclusive(Runnable task) {
            if (executor == null || executor.inEventLoop()) {
                synchronized (this) {
                    task.run();
                }
                return;
            }
            try {
                executor.submit(task).get(30, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                // the loop is stopping: once it has ended, nothing records any more
                awaitTermination();
                synchronized (this) {
                    task.run();
                }
            } catch (ExecutionException | TimeoutException e) {
                throw new BenchException("subscriber event loop failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted", e);
            }
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

    /**
     * Starts the measured window: counts and times deliveries from now on (each lane clears its
     * histogram at its first delivery of the new window). Returns at once.
     */
    public void startWindow() {
        windowDeliveries = 0;
        window++;
        measuring = true;
    }

    /**
     * Ends the measured window. Waits for a task on each subscriber event loop (deliveries being
     * recorded when it is called are included), so call it from outside them.
     *
     * @return the latencies of the window's deliveries, in microseconds
     */
    public Histogram endWindow() {
        measuring = false;
        Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
        for (Lane l : lanes) {
            l.exclusive(() -> {
                if (l.latencyWindow == window) {
                    total.add(l.latency);
                }
            });
        }
        windowDeliveries = total.getTotalCount();
        return total;
    }

    /** First arrivals so far, over the whole run (all subscribers, all streams). */
    public long distinct() {
        long sum = 0;
        for (Lane l : lanes) {
            sum += l.distinct();
        }
        return sum;
    }

    /** First arrivals inside the last measured window; known once {@link #endWindow()} returned. */
    public long windowDeliveries() {
        return windowDeliveries;
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
