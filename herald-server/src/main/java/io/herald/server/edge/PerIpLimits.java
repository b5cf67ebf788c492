package io.herald.server.edge;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-client-address limits of a listener (docs/protocol.md, "Limits"): how many connections
 * one address holds at once ({@code limits.per-ip.connections}) and how fast it opens new ones
 * ({@code limits.per-ip.connect-rate} and {@code -burst}, a {@link TokenBucket} per address).
 *
 * <p>State is a {@link ConcurrentHashMap} from address to its count and bucket, updated only inside
 * {@code compute} (atomic per address, no lock held across I/O). An address is forgotten when it has
 * no connection and its bucket is full again (on release, or by a sweep every
 * {@value #SWEEP_EVERY} admissions). The map holds at most {@link #maxAddresses} addresses: past
 * that (a flood from very many addresses), a new address is admitted untracked, limited only by
 * {@code limits.max-connections}, rather than refused; {@link Admission#tracked()} tells, and only
 * tracked admissions are {@link #release}d. Thread-safe.
 */
public final class PerIpLimits {
    /** Admissions between two sweeps of forgotten addresses. */
    static final int SWEEP_EVERY = 4096;

    /**
     * The answer to a new connection (or, behind a trusted proxy, a new request).
     *
     * @param tracked           whether the address is counted (then {@link #release} it once)
     * @param refusal           why it is refused, or null when it is admitted
     * @param retryAfterSeconds when to try again, for {@code Retry-After} (refusals only)
     */
    public record Admission(boolean tracked, String refusal, long retryAfterSeconds) {
        static final Admission TRACKED = new Admission(true, null, 0);
        static final Admission UNTRACKED = new Admission(false, null, 0);

        /** Whether the connection may proceed. */
        public boolean admitted() {
            return refusal == null;
        }
    }

    private static final class IpState {
        int connections;
        final TokenBucket bucket;

        IpState(TokenBucket bucket) {
            this.bucket = bucket;
        }
    }

    private final int maxConnections;
    private final int rate;
    private final int burst;
    private final int maxAddresses;
    private final ConcurrentHashMap<InetAddress, IpState> addresses = new ConcurrentHashMap<>();
    private final AtomicLong admissions = new AtomicLong();

    /**
     * @param maxConnections connections one address may hold at once, 0 for no limit
     * @param rate           new connections per second one address may open on average, 0 for no limit
     * @param burst          new connections one address may open at once (at least 1)
     * @param maxAddresses   addresses tracked at most
     */
    public PerIpLimits(int maxConnections, int rate, int burst, int maxAddresses) {
        this.maxConnections = maxConnections;
        this.rate = rate;
        this.burst = burst;
        this.maxAddresses = maxAddresses;
    }

    /** Whether either limit is on; when not, {@link #admit} need not be called. */
    public boolean enabled() {
        return maxConnections > 0 || rate > 0;
    }

    /**
     * Counts a new connection of {@code address} when both limits allow it.
     *
     * @param now {@link System#nanoTime()}
     */
    public Admission admit(InetAddress address, long now) {
        if (admissions.incrementAndGet() % SWEEP_EVERY == 0 || addresses.size() >= maxAddresses) {
            sweep(now);
        }
        if (!addresses.containsKey(address) && addresses.size() >= maxAddresses) {
            return Admission.UNTRACKED;
        }
        Admission[] out = new Admission[1];
        addresses.compute(address, (a, state) -> {
            IpState s = state != null ? state : new IpState(rate > 0 ? new TokenBucket(rate, burst, now) : null);
            if (maxConnections > 0 && s.connections >= maxConnections) {
                out[0] = new Admission(false, "over the limit of " + maxConnections + " connections per client address", 1);
            } else if (s.bucket != null && !s.bucket.tryTake(now)) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(s.bucket.nanosUntilToken(now) + 999_999_999L));
                out[0] = new Admission(false, "over the limit of " + rate + " new connections per second (burst " + burst
                        + ") per client address", seconds);
            } else {
                s.connections++;
                out[0] = Admission.TRACKED;
            }
            return s.connections == 0 && (s.bucket == null || s.bucket.full(now)) ? null : s;
        });
        return out[0];
    }

    /** Ends a tracked connection of {@code address}. */
    public void release(InetAddress address) {
        long now = System.nanoTime();
        addresses.computeIfPresent(address, (a, s) -> {
            s.connections--;
            return s.connections <= 0 && (s.bucket == null || s.bucket.full(now)) ? null : s;
        });
    }

    /** Forgets the addresses with no connection and a full bucket. */
    private void sweep(long now) {
        for (InetAddress address : addresses.keySet()) {
            addresses.computeIfPresent(address, (a, s) -> s.connections <= 0 && (s.bucket == null || s.bucket.full(now)) ? null : s);
        }
    }

    /** Addresses tracked now (for tests and metrics). */
    public int trackedAddresses() {
        return addresses.size();
    }
}
