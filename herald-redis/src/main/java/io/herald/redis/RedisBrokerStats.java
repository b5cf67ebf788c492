package io.herald.redis;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a {@link RedisBroker}'s node-to-node fan-out since it started, for metrics: each only
 * grows. Read-only to callers; updated by the broker's threads. Thread-safe.
 */
public final class RedisBrokerStats {
    final LongAdder reconnects = new LongAdder();
    final LongAdder catchUps = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder overflows = new LongAdder();
    final LongAdder probeRestarts = new LongAdder();
    final LongAdder topChecks = new LongAdder();
    final LongAdder moves = new LongAdder();
    final LongAdder historyReads = new LongAdder();
    /** The most history scripts of one (channel, since, limit) seen running at once; see {@link #historyReadsPeak()}. */
    final java.util.concurrent.atomic.AtomicInteger historyReadsPeak = new java.util.concurrent.atomic.AtomicInteger();

    RedisBrokerStats() {
    }

    /** How many times the pub/sub connection came back after it was lost (or restarted by the probe). */
    public long reconnects() {
        return reconnects.sum();
    }

    /**
     * How many catch-ups from history were started: after an offset jump, a processor overflow, a
     * pub/sub reconnect or a top check that found a channel behind.
     */
    public long catchUps() {
        return catchUps.sum();
    }

    /**
     * How many losses history could not fill were passed on to the node (a gap, an epoch change or a
     * lost stream): each disconnects the channel's subscribers, who resume and get a reset.
     */
    public long resets() {
        return resets.sum();
    }

    /** How many pub/sub messages found their processor's queue full (each marks its channel for a catch-up). */
    public long overflows() {
        return overflows.sum();
    }

    /** How many times the probe found the pub/sub connection silent and restarted it. */
    public long probeRestarts() {
        return probeRestarts.sum();
    }

    /** How many channel tops the periodic check of idle channels read. */
    public long topChecks() {
        return topChecks.sum();
    }

    /**
     * Redis Cluster: how many times a channel was re-homed, its subscription moved to the master
     * serving its slot now after a failover or a slot migration (then caught up from history).
     */
    public long moves() {
        return moves.sum();
    }

    /**
     * How many history scripts this node ran (clients' history and resumes, catch-ups): identical
     * reads asked while one runs share the next run ({@code SingleFlight}), so a herd of resumes
     * from one position costs a few of these, not one each.
     */
    public long historyReads() {
        return historyReads.sum();
    }

    /**
     * The most history scripts of one identical read (channel, position, limit) this node had
     * running at once since it started: 1 once any ran, as {@code SingleFlight} keeps it (the
     * Redis broker design's scenario 16 checks it under a herd).
     */
    public int historyReadsPeak() {
        return historyReadsPeak.get();
    }

    @Override
    public String toString() {
        return "RedisBrokerStats[reconnects=" + reconnects() + ", catchUps=" + catchUps() + ", resets=" + resets()
                + ", overflows=" + overflows() + ", probeRestarts=" + probeRestarts() + ", topChecks=" + topChecks()
                + ", moves=" + moves() + ", historyReads=" + historyReads() + ", historyReadsPeak=" + historyReadsPeak() + "]";
    }
}
