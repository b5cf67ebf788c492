package io.herald.core.broker;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A test broker: an in-memory broker whose publish, history and subscribe fail, asynchronously as a
 * remote broker's would, with the error {@link #failWith} supplies while it is set. Thread-safe.
 */
public final class FailingBroker implements Broker {
    private final MemoryBroker memory = new MemoryBroker();
    /** The error of every publish, history and subscribe while set; null lets them through. */
    public volatile Supplier<RuntimeException> failWith;

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
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options) {
        return orFail(() -> memory.publish(channel, event, data, options));
    }

    @Override
    public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
        return orFail(() -> memory.history(channel, since, limit, options));
    }

    @Override
    public CompletableFuture<Void> subscribe(String channel) {
        return orFail(() -> memory.subscribe(channel));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String channel) {
        return memory.unsubscribe(channel);
    }

    @Override
    public void close() {
        memory.close();
    }
}
