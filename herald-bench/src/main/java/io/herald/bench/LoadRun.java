package io.herald.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load run: opens the subscribers, publishes at the configured rate through a warm-up and
 * the measured window, lets deliveries drain, and accounts loss, duplicates, order, latency and
 * CPU and memory.
 *
 * <p>Phases, each bounded in time: ramp (batches, each within the connect timeout), settle,
 * warm-up, window (CPU and RSS read from {@code /proc} at both ends, latency recorded only for
 * deliveries arriving inside it), stop publishing (answers in flight awaited up to 5 s), drain
 * (until every subscriber has every accepted publication, or the drain timeout). Not thread-safe;
 * run once.
 */
public final class LoadRun {
    private static final Logger log = LoggerFactory.getLogger(LoadRun.class);

    private final BenchConfig config;

    /** @param config what to run; its mode should be {@link BenchConfig.Mode#LOAD} */
    public LoadRun(BenchConfig config) {
        this.config = config;
    }

    /**
     * Runs to the end.
     *
     * @return the report
     * @throws BenchException when the run cannot go on (no connection subscribes, open-file limit,
     *                        publisher cannot connect, server process gone)
     */
    public LoadReport run() {
        FileLimits.checkRoomFor((long) config.subscribers() + config.publishConnections());
        String serverPid = config.serverPid() > 0 ? Long.toString(config.serverPid()) : null;
        ProcSample serverInitial = serverPid == null ? null : ProcSample.readTree(serverPid);
        Deliveries deliveries = new Deliveries(new MicroClock());
        List<String> problems = new ArrayList<>();

        ClientLoops loops = new ClientLoops(config.threads(), "bench-subscriber", config.connectTimeout());
        SubscriberPool pool = new SubscriberPool(config, loops, deliveries);
        Publisher publisher = new Publisher(config, deliveries.clock());
        SyscallCounter syscalls = null;
        try {
            log.info("opening {} {} subscribers to {} in batches of {} from {} source addresses ({} event loops, {})",
                    config.subscribers(), config.transport().label(), config.subscribeUrl().resolve(config.channel()),
                    config.batchSize(), config.sourceIps(), config.threads(), loops.epoll() ? "epoll" : "nio");
            long rampStart = System.nanoTime();
            int connected = pool.open(config.subscribers());
            log.info("{} subscribed in {} ms ({} failed)", connected, (System.nanoTime() - rampStart) / 1_000_000,
                    pool.failures());
            // perf attaches to the server during the settle and warm-up, counting off until the window opens
            syscalls = SyscallCounter.start(config.syscalls(), serverPid == null ? List.of() : serverTree(serverPid));
            publisher.connect();
            sleep(config.settle());

            log.info("publishing {}/s of {}-byte payloads to {}: {} s warm-up, {} s measured", config.rate(),
                    config.payloadBytes(), config.publishUrl().resolve(config.channel()),
                    config.warmup().toMillis() / 1000.0, config.duration().toMillis() / 1000.0);
            publisher.start();
            sleep(config.warmup());

            syscalls.enable();
            ProcSample serverBefore = serverPid == null ? null : ProcSample.readTree(serverPid);
            ProcSample selfBefore = ProcSample.read("self");
            List<ProcSample> watchedBefore = readAll(config.watchPids());
            deliveries.startWindow();
            publisher.startWindow();
            long windowStart = System.nanoTime();
            // scripts/profile.sh waits for this line to start its profilers
            log.info("measured window open for {} s", config.duration().toMillis() / 1000.0);
            sleep(config.duration());
            Histogram latency = deliveries.endWindow();
            double windowSeconds = (System.nanoTime() - windowStart) / 1e9;
            long windowDeliveries = deliveries.windowDeliveries();
            ProcSample serverAfter = serverPid == null ? null : ProcSample.readTree(serverPid);
            ProcSample selfAfter = ProcSample.read("self");
            List<ProcSample> watchedAfter = readAll(config.watchPids());
            syscalls.disable();
            log.info("measured window closed");

            Publisher.Stats published = publisher.stop(Duration.ofSeconds(5));
            long expected = published.acceptedTotal() * connected;
            drain(deliveries, expected);
            SyscallCounts syscallCounts = syscalls.finish(); // perf's exit takes a while: after publishing

            pool.close();
            publisher.close();
            loops.close();

            Accounting accounting = config.resume()
                    ? account(pool.subscribedStates(), published.accepted(), published.acceptedSeqs())
                    : account(pool.subscribedStates(), published.accepted());
            double serverCpu = serverBefore == null ? Double.NaN
                    : serverAfter.userSecondsSince(serverBefore) + serverAfter.systemSecondsSince(serverBefore);
            if (connected < config.subscribers()) {
                problems.add((config.subscribers() - connected) + " subscribers failed to connect: " + pool.firstFailure());
            }
            if (accounting.lost > 0 || accounting.duplicated > 0 || accounting.reordered > 0) {
                problems.add("lost " + accounting.lost + ", duplicated " + accounting.duplicated + ", reordered "
                        + accounting.reordered);
            }
            if (published.errors() > 0) {
                problems.add(published.errors() + " publish errors: " + published.firstError());
            }
            if (deliveries.disconnects() > 0 && !config.resume()) {
                problems.add(deliveries.disconnects() + " subscribers disconnected by the server");
            }
            if (deliveries.malformed() > 0) {
                problems.add(deliveries.malformed() + " malformed messages");
            }
            if (published.maxBacklog() > Math.max(10, config.rate() / 10)) {
                problems.add("the publisher fell behind the offered rate by up to " + published.maxBacklog()
                        + " publications");
            }
            return new LoadReport(Instant.now().toString(), "load", config.label(), config.transport().label(),
                    config.subscribers(), connected, pool.failures(), config.rate(), published.acceptedTotal(),
                    published.errors(), Reports.round(published.acceptedTotal() / published.publishingSeconds(), 1),
                    published.maxBacklog(), config.payloadBytes(), config.warmup().toMillis() / 1000.0,
                    Reports.round(windowSeconds, 3), expected, accounting.distinct, accounting.lost,
                    accounting.duplicated, accounting.reordered, deliveries.disconnects(), deliveries.malformed(),
                    windowDeliveries, Reports.round(windowDeliveries / windowSeconds, 1),
                    millis(latency, 50), millis(latency, 99), millis(latency, 99.9),
                    latency.getTotalCount() == 0 ? null : Reports.round(latency.getMaxValue() / 1000.0, 3),
                    serverPid == null ? null : config.serverPid(),
                    serverBefore == null ? null : Reports.round(serverAfter.userSecondsSince(serverBefore), 2),
                    serverBefore == null ? null : Reports.round(serverAfter.systemSecondsSince(serverBefore), 2),
                    serverBefore == null || serverCpu <= 0 ? null : Reports.round(windowDeliveries / serverCpu, 0),
                    serverInitial == null ? null : serverInitial.rssBytes(),
                    serverBefore == null ? null : serverBefore.rssBytes(),
                    serverAfter == null ? null : serverAfter.rssBytes(),
                    Reports.round(selfAfter.userSecondsSince(selfBefore), 2),
                    Reports.round(selfAfter.systemSecondsSince(selfBefore), 2),
                    config.threads(), config.sourceIps(), config.publishConnections(),
                    config.subscribeUrlsText(), config.publishUrl().toString(), problems,
                    cpuSeconds(watchedBefore, watchedAfter),
                    config.resume() ? ResumeReport.of(pool.subscribedStates(), accounting.skippedByReset) : null,
                    syscallCounts);
        } finally {
            if (syscalls != null) {
                syscalls.close();
            }
            pool.close();
            publisher.close();
            loops.close();
        }
    }

    /** {@code pid} and its descendants (nginx's master and worker are one server). */
    private static List<String> serverTree(String pid) {
        List<String> tree = new ArrayList<>(List.of(pid));
        tree.addAll(ProcSample.descendants(pid));
        return tree;
    }

    private static List<ProcSample> readAll(List<Long> pids) {
        return pids.stream().map(p -> ProcSample.readTree(Long.toString(p))).toList();
    }

    private static List<Double> cpuSeconds(List<ProcSample> before, List<ProcSample> after) {
        List<Double> out = new ArrayList<>(before.size());
        for (int i = 0; i < before.size(); i++) {
            out.add(Reports.round(after.get(i).userSecondsSince(before.get(i)) + after.get(i).systemSecondsSince(before.get(i)), 2));
        }
        return out;
    }

    private void drain(Deliveries deliveries, long expected) {
        long deadline = System.nanoTime() + config.drain().toNanos();
        while (deliveries.distinct() < expected && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(10));
        }
        if (deliveries.distinct() < expected) {
            log.warn("{} of {} deliveries missing after a {} ms drain", expected - deliveries.distinct(), expected,
                    config.drain().toMillis());
        }
    }

    /** Sums per-subscriber accounting; call after the subscriber event loops have stopped. */
    static Accounting account(List<SubscriberState> states, long[] acceptedPerStream) {
        Accounting a = new Accounting();
        for (SubscriberState state : states) {
            for (int s = 0; s < state.streamCount(); s++) {
                SequenceTracker t = state.stream(s);
                long published = s < acceptedPerStream.length ? acceptedPerStream[s] : 0;
                a.distinct += t.distinct();
                a.lost += t.lost(published);
                a.duplicated += t.duplicated();
                a.reordered += t.reordered();
            }
        }
        return a;
    }

    /**
     * Sums per-subscriber accounting across resets ({@code --resume}): an accepted publication a
     * subscriber did not receive is skipped by a reset when it lies in a gap a reset announced
     * ({@link SequenceTracker#missing}), else lost. Call after the subscriber event loops have stopped.
     */
    static Accounting account(List<SubscriberState> states, long[] acceptedPerStream, java.util.BitSet[] acceptedSeqs) {
        Accounting a = new Accounting();
        for (SubscriberState state : states) {
            for (int s = 0; s < state.streamCount(); s++) {
                SequenceTracker t = state.stream(s);
                long[] missing = t.missing(s < acceptedSeqs.length ? acceptedSeqs[s] : new java.util.BitSet());
                a.distinct += t.distinct();
                a.lost += missing[0];
                a.skippedByReset += missing[1];
                a.duplicated += t.duplicated();
                a.reordered += t.reordered();
            }
        }
        return a;
    }

    /** Totals over all subscribers and streams. */
    static final class Accounting {
        long distinct;
        long lost;
        long skippedByReset;
        long duplicated;
        long reordered;
    }

    private static Double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : Reports.round(h.getValueAtPercentile(percentile) / 1000.0, 3);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
