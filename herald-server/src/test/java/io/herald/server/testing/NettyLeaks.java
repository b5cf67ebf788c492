package io.herald.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Turns what Netty's leak detector reports into test failures. {@link #install()} puts in a
 * {@link ResourceLeakDetectorFactory} whose detectors (one per resource type, {@code ByteBuf} among
 * them) log every leak as Netty's do and hand it to a {@link ResourceLeakDetector.LeakListener}
 * that records it; it also sets the level to {@code PARANOID} (every buffer tracked) if the build did
 * not. It must run before Netty creates its buffer detector, i.e. before the first buffer is
 * allocated: {@link LeakCheckExtension} does it when JUnit loads it, and {@link #collect()} fails
 * when it was too late.
 *
 * <p>Netty finds a leak only when the garbage collector has collected a buffer that was never
 * released, and reports it on a later allocation. {@link #collect()} therefore plants a canary (a
 * buffer it leaks on purpose, marked with a unique hint), then runs a full collection and allocates
 * until the canary is reported: by then every buffer that was unreachable with it has been
 * reported too. It costs one full collection, some 20 to 100 ms. Thread-safe.
 */
public final class NettyLeaks {
    private static final Duration CANARY_TIMEOUT = Duration.ofSeconds(10);
    /** A full collection takes 20 to 100 ms here; one more if the canary is not reported by then. */
    private static final long GC_AGAIN_NANOS = 200_000_000L;
    private static final String CANARY = "herald-test-leak-canary-";
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final AtomicLong CANARIES = new AtomicLong();
    private static final ResourceLeakDetector.LeakListener RECORDER =
            (resourceType, records) -> LEAKS.add(resourceType + " leaked:" + (records.isEmpty() ? " (no records)" : records));

    /** Netty's detector, with the canaries left out of the log (they are reported, but on purpose). */
    private static final class QuietCanaries<T> extends ResourceLeakDetector<T> {
        QuietCanaries(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
            setLeakListener(RECORDER);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            if (!records.contains(CANARY)) {
                super.reportTracedLeak(resourceType, records);
            }
        }
    }

    private static boolean installed;

    private NettyLeaks() {
    }

    /** Installs the recording detectors and the paranoid level; idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation") // still abstract in Netty 4.2: implemented, never called here
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return newResourceLeakDetector(resource, samplingInterval);
            }

            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
                return new QuietCanaries<>(resource, samplingInterval);
            }
        });
    }

    /**
     * Forces Netty to report every buffer that is unreachable now, and returns what it reported
     * since the last call (each a resource type and Netty's access records), canaries excepted.
     *
     * @throws AssertionError when the canary is not reported within 10 s: the detector is not
     *                        the recording one, so leaks would go unnoticed
     */
    public static List<String> collect() {
        String canary = CANARY + CANARIES.incrementAndGet() + ";"; // ";": canary 1 is not a prefix of canary 12
        plant(canary);
        long deadline = System.nanoTime() + CANARY_TIMEOUT.toNanos();
        long lastGc = System.nanoTime();
        System.gc();
        while (LEAKS.stream().noneMatch(leak -> leak.contains(canary))) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new AssertionError("Netty's leak detector did not report a buffer leaked on purpose within "
                        + CANARY_TIMEOUT.toSeconds() + " s: it is not the one NettyLeaks installs (was a buffer"
                        + " allocated before LeakCheckExtension was loaded?), so leaks would go unnoticed");
            }
            if (now - lastGc > GC_AGAIN_NANOS) {
                System.gc();
                lastGc = now;
            }
            // The collector has run; the reference handler enqueues what it freed on its own thread,
            // and the next tracked allocation reports it.
            Unpooled.directBuffer(1).release();
            LockSupport.parkNanos(1_000_000);
        }
        LockSupport.parkNanos(5_000_000);
        Unpooled.directBuffer(1).release(); // leaks enqueued just after the canary's
        List<String> found = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            if (!leak.contains(CANARY)) {
                found.add(leak);
            }
        }
        return found;
    }

    /** Leaks a tracked buffer that only {@code hint} tells apart from the others. */
    private static void plant(String hint) {
        ByteBuf buf = Unpooled.directBuffer(1); // heap buffers of Unpooled are not tracked
        buf.touch(hint);
    }

}
