package io.herald.core.broker;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A test broker: an in-memory broker with faults a remote broker has, switched on by tests. While
 * {@link #failWith} is set, publish, history and subscribe fail with the error it supplies,
 * asynchronously as a remote broker's would; while {@link #holdSubscribes} is set, subscribes wait
 * until {@link #releaseSubscribes()}, as a remote broker's confirmation takes a round trip; while
 * {@link #unhealthy} is set, {@link #health()} answers down with it, as a broker that lost its store
 * would, and while {@link #silentHealth} is set it never answers. {@link #calls} records the
 * subscribes and unsubscribes in the order they were asked; {@link #stallUnsubscribeCalls()}
 * stalls the thread of the next unsubscribe call before it is made, as a thread descheduled at
 * that point would be. Thread-safe.
 */
public final class FaultyBroker implements Broker {
    private final MemoryBroker memory = new MemoryBroker();
    /** The error of every publish, history and subscribe while set; null lets them through. */
    public volatile Supplier<RuntimeException> failWith;
    /** Whether subscribes wait for {@link #releaseSubscribes()}. */
    public volatile boolean holdSubscribes;
    /** While set, {@link #health()} answers down with this detail (asynchronously); null: up. */
    public volatile String unhealthy;
    /** While set, {@link #health()} never answers, as a broker behind a dead network path. */
    public volatile boolean silentHealth;
    private final List<Runnable> held = new ArrayList<>();
    /** {@code subscribe CHANNEL} and {@code unsubscribe CHANNEL}, in the order they were asked. */
    public final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile java.util.concurrent.CountDownLatch unsubscribeEntered;
    private volatile java.util.concurrent.CountDownLatch unsubscribeRelease;

    private <T> CompletableFuture<T> orFail(Supplier<CompletableFuture<T>> operation) {
        Supplier<RuntimeException> f = failWith;
        if (f == null) {
            return operation.get();
        }
        // completed on another thread, like a remote broker's reply
        return CompletableFuture.supplyAsync(() -> {
            throw f.get();
        });
    }

    @Override
    public void start(BrokerListener listener) {
        memory.start(listener);
    }

    @Override
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                                      String idempotencyKey, String key) {
        return orFail(() -> memory.publish(channel, event, data, options, idempotencyKey, key));
    }

    @Override
    public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
        return orFail(() -> memory.history(channel, since, limit, options));
    }

    @Override
    public CompletableFuture<Void> subscribe(String channel) {
        calls.add("subscribe " + channel);
        if (!holdSubscribes) {
            return orFail(() -> memory.subscribe(channel));
        }
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        synchronized (held) {
            held.add(() -> memory.subscribe(channel).whenComplete((v, e) -> confirmed.complete(null)));
        }
        return confirmed;
    }

    /** Confirms the subscribes held so far and stops holding new ones. */
    public void releaseSubscribes() {
        holdSubscribes = false;
        List<Runnable> release;
        synchronized (held) {
            release = List.copyOf(held);
            held.clear();
        }
        release.forEach(Runnable::run);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String channel) {
        java.util.concurrent.CountDownLatch release = unsubscribeRelease;
        if (release != null) {
            unsubscribeRelease = null;
            unsubscribeEntered.countDown();
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        calls.add("unsubscribe " + channel);
        return memory.unsubscribe(channel);
    }

    /**
     * Makes the next {@link #unsubscribe} call wait, before it is recorded or made, until the
     * returned runnable runs; {@link #awaitStalledUnsubscribe()} waits until a call is waiting.
     */
    public Runnable stallUnsubscribeCalls() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        unsubscribeEntered = new java.util.concurrent.CountDownLatch(1);
        unsubscribeRelease = release;
        return release::countDown;
    }

    /** Waits up to 5 s until an unsubscribe call is stalled by {@link #stallUnsubscribeCalls()}; false if none is. */
    public boolean awaitStalledUnsubscribe() throws InterruptedException {
        return unsubscribeEntered.await(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<BrokerHealth> health() {
        String detail = unhealthy;
        if (silentHealth) {
            return new CompletableFuture<>();
        }
        return detail == null ? memory.health()
                : CompletableFuture.supplyAsync(() -> BrokerHealth.down(detail)); // a remote broker's reply
    }

    @Override
    public io.herald.core.presence.PresenceStore presence() {
        return memory.presence();
    }

    @Override
    public void close() {
        memory.close();
    }
}
