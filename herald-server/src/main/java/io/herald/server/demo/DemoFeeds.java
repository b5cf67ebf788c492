package io.herald.server.demo;

import io.herald.core.Node;
import io.herald.core.Payload;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo feeds that the demo pages show, published through the {@link Node} like any server-side
 * publication:
 * <ul>
 *   <li>{@value #CLOCK_CHANNEL}: the server time once a second, on the second
 *       ({@link ServerClock#payload});</li>
 *   <li>{@value #TICKER_CHANNEL}: a simulated random-walk feed of six symbols, one publication
 *       carrying all of them every {@link #TICKER_PERIOD} ({@link StockTicker#tick});</li>
 *   <li>{@value #QUOTES_CHANNEL}: the same prices, one publication per symbol every
 *       {@link #TICKER_PERIOD} ({@link StockTicker#quote}) with the symbol as its key, so that in a
 *       namespace with conflation (the {@code demo} namespace of {@code --demo}) a slow subscriber
 *       gets each symbol's latest price instead of being disconnected (docs/protocol.md,
 *       "Conflation"). The ticker page shows this one.</li>
 * </ul>
 * Both use the default event type {@code message} and JSON payloads.
 *
 * <p>The server creates the feeds only when {@code --demo} is on ({@code ServerConfig.demo()});
 * otherwise nothing of this class exists, no thread and no timer. When running, the feeds use one
 * daemon thread named {@value #THREAD_NAME}. {@link #close()} stops them and waits briefly for a
 * tick in progress; it is idempotent. Thread-safe.
 */
public final class DemoFeeds implements AutoCloseable {
    /** The channel of the server clock. */
    public static final String CLOCK_CHANNEL = "demo:clock";
    /** The channel of the stock ticker. */
    public static final String TICKER_CHANNEL = "demo:ticker";
    /** The channel of the ticker's prices one symbol per publication, keyed by symbol. */
    public static final String QUOTES_CHANNEL = "demo:quotes";
    /** How often the ticker publishes. */
    public static final Duration TICKER_PERIOD = Duration.ofMillis(200);
    /** The name of the feeds' one thread. */
    public static final String THREAD_NAME = "herald-demo";

    private static final Logger log = LoggerFactory.getLogger(DemoFeeds.class);

    private final Node node;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final StockTicker ticker = new StockTicker(new Random());
    /** The whole second (epoch millis) the next clock tick is for; used only on the feeds' thread. */
    private long nextSecond;

    private DemoFeeds(Node node, Clock clock) {
        this.node = node;
        this.clock = clock;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
    }

    /**
     * Starts both feeds.
     *
     * @param node  the node to publish to
     * @param clock the wall clock the payloads are stamped with
     * @return the running feeds; close them to stop
     */
    public static DemoFeeds start(Node node, Clock clock) {
        DemoFeeds feeds = new DemoFeeds(node, clock);
        long now = clock.millis();
        feeds.nextSecond = now + ServerClock.millisToNextSecond(now);
        feeds.scheduleClock(now);
        long period = TICKER_PERIOD.toMillis();
        feeds.scheduler.scheduleAtFixedRate(feeds::tickerTick, period, period, TimeUnit.MILLISECONDS);
        log.info("Demo feeds on {} (every second), {} and {} (every {} ms)", CLOCK_CHANNEL, TICKER_CHANNEL, QUOTES_CHANNEL,
                period);
        return feeds;
    }

    /**
     * Publishes the time, then schedules itself for the next whole second after the one it was
     * scheduled for: no drift, and a timer that fires a little early does not publish twice.
     */
    private void clockTick() {
        long now = clock.millis();
        publish(CLOCK_CHANNEL, () -> ServerClock.payload(now));
        nextSecond += 1000;
        if (nextSecond <= now) {
            nextSecond = now + ServerClock.millisToNextSecond(now); // fell behind: skip to the next second
        }
        scheduleClock(now);
    }

    private void scheduleClock(long now) {
        try {
            scheduler.schedule(this::clockTick, nextSecond - now, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void tickerTick() {
        long now = clock.millis();
        publish(TICKER_CHANNEL, () -> ticker.tick(now));
        for (int i = 0; i < StockTicker.OPENING.size(); i++) {
            int index = i;
            publish(QUOTES_CHANNEL, StockTicker.OPENING.get(i).symbol(), () -> ticker.quote(index, now));
        }
    }

    private void publish(String channel, Supplier<String> json) {
        publish(channel, null, json);
    }

    /** Publishes with {@code key} (null for none), never throwing: an exception would end a periodic task for good. */
    private void publish(String channel, String key, Supplier<String> json) {
        try {
            node.publish(channel, null, Payload.json(json.get()), null, key).whenComplete((p, error) -> {
                if (error != null) {
                    log.debug("demo publication on {} failed: {}", channel, error.toString());
                }
            });
        } catch (RuntimeException e) {
            log.debug("demo publication on {} failed: {}", channel, e.toString());
        }
    }

    /** Stops both feeds and waits up to a second for a tick in progress. Idempotent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
