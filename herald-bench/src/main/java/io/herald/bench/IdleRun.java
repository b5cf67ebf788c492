package io.herald.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One idle-capacity run: opens subscriber connections in steps of {@code idleStep} up to
 * {@code subscribers}, nothing published, and after each step (and a settle pause) reads the
 * server's RSS. The memory cost of a connection is the slope between the first step and the
 * last, and a least-squares fit over all steps. Reaching the open-file limit ends the ramp; the
 * report then says so in {@code stopped_by}. Not thread-safe; run once.
 */
public final class IdleRun {
    private static final Logger log = LoggerFactory.getLogger(IdleRun.class);

    private final BenchConfig config;

    /** @param config what to run; its mode should be {@link BenchConfig.Mode#IDLE} */
    public IdleRun(BenchConfig config) {
        this.config = config;
    }

    /**
     * Runs to the end.
     *
     * @return the report
     * @throws BenchException when the first step cannot open a single connection
     */
    public IdleReport run() {
        String serverPid = config.serverPid() > 0 ? Long.toString(config.serverPid()) : null;
        ProcSample initial = serverPid == null ? null : ProcSample.readTree(serverPid);
        if (serverPid == null) {
            log.warn("no --server-pid: idle mode can only count connections, not the server's memory");
        }
        List<IdleReport.Step> steps = new ArrayList<>();
        String stoppedBy = null;
        Deliveries deliveries = new Deliveries(new MicroClock());
        ClientLoops loops = new ClientLoops(config.threads(), "bench-idle", config.connectTimeout());
        SubscriberPool pool = new SubscriberPool(config, loops, deliveries);
        ProcSample self = null;
        try {
            while (pool.connected() < config.subscribers() && stoppedBy == null) {
                int step = Math.min(config.idleStep(), config.subscribers() - pool.connected());
                long room = FileLimits.softLimit() - FileLimits.openNow() - FileLimits.RESERVE;
                if (room < step) {
                    stoppedBy = "open-file limit " + FileLimits.softLimit() + " of this process (" + pool.connected()
                            + " connections open); run several load generators for more";
                    if (room < 1) {
                        break;
                    }
                    step = (int) room;
                }
                int ok;
                try {
                    ok = pool.open(step);
                } catch (BenchException e) {
                    if (pool.connected() == 0) {
                        throw e;
                    }
                    log.warn("ramp stopped at {} connections: {}", pool.connected(), e.getMessage());
                    stoppedBy = e.getMessage();
                    break;
                }
                sleep(config.settle());
                Long rss = serverPid == null ? null : ProcSample.readTree(serverPid).rssBytes();
                steps.add(new IdleReport.Step(pool.connected(), rss));
                log.info("{} connections open; server RSS {}", pool.connected(),
                        rss == null ? "unknown" : (rss / 1024) + " KiB");
                if (ok < step / 2) {
                    stoppedBy = (step - ok) + " of " + step + " connections of the last step failed: " + pool.firstFailure();
                }
            }
            if (!config.hold().isZero()) {
                log.info("holding {} connections for {} ms", pool.connected(), config.hold().toMillis());
                sleep(config.hold());
            }
            self = ProcSample.read("self");
            ProcSample end = serverPid == null ? null : ProcSample.readTree(serverPid);
            Double slope = IdleReport.slope(steps);
            Double fit = IdleReport.fit(steps);
            return new IdleReport(Instant.now().toString(), "idle", config.label(), config.transport().label(),
                    config.subscribers(), pool.connected(), pool.failures(), steps, Reports.round(slope, 1),
                    Reports.round(fit, 1), serverPid == null ? null : config.serverPid(),
                    initial == null ? null : initial.rssBytes(),
                    end == null ? null : Reports.round(end.userSecondsSince(initial), 2),
                    end == null ? null : Reports.round(end.systemSecondsSince(initial), 2),
                    self.rssBytes(), config.sourceIps(), config.subscribeUrl().toString(), stoppedBy);
        } finally {
            pool.close();
            loops.close();
        }
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
