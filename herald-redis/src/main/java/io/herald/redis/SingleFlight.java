package io.herald.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one operation in flight per key: a call for a key whose operation is running waits for
 * the <em>next</em> run, started once the running one completes, which every call made meanwhile
 * shares. So a herd of identical reads (thousands of clients resuming one channel from one
 * position after a Redis restart) costs at most one read at a time, and each caller gets a result
 * read after its call, never an older one (a read that started before a subscriber registered could
 * miss what was published between the two). Thread-safe.
 *
 * @param <K> the key (equal keys are the same operation)
 * @param <V> the result
 */
final class SingleFlight<K, V> {
    private final ConcurrentHashMap<K, Flight<V>> flights = new ConcurrentHashMap<>();

    /** One key's running operation and the callers waiting for the next; guarded by the map's bin lock. */
    private static final class Flight<V> {
        final Supplier<CompletableFuture<V>> operation;
        CompletableFuture<V> next;

        Flight(Supplier<CompletableFuture<V>> operation) {
            this.operation = operation;
        }
    }

    /**
     * Runs {@code operation} for {@code key} now, or after the run in flight for it (then with the
     * operation given first: equal keys must mean equivalent operations).
     */
    CompletableFuture<V> run(K key, Supplier<CompletableFuture<V>> operation) {
        @SuppressWarnings("unchecked")
        CompletableFuture<V>[] mine = new CompletableFuture[1];
        boolean[] start = {false};
        Flight<V> flight = flights.compute(key, (k, running) -> {
            if (running == null) {
                start[0] = true;
                mine[0] = new CompletableFuture<>();
                return new Flight<>(operation);
            }
            if (running.next == null) {
                running.next = new CompletableFuture<>();
            }
            mine[0] = running.next;
            return running;
        });
        if (start[0]) {
            launch(key, flight, mine[0]);
        }
        return mine[0];
    }

    /** The number of keys with an operation in flight. */
    int inFlight() {
        return flights.size();
    }

    private void launch(K key, Flight<V> flight, CompletableFuture<V> target) {
        CompletableFuture<V> run;
        try {
            run = flight.operation.get();
        } catch (RuntimeException e) {
            run = CompletableFuture.failedFuture(e);
        }
        run.whenComplete((value, error) -> {
            @SuppressWarnings("unchecked")
            CompletableFuture<V>[] next = new CompletableFuture[1];
            flights.computeIfPresent(key, (k, f) -> {
                if (f != flight) {
                    return f;
                }
                next[0] = f.next;
                f.next = null;
                return next[0] == null ? null : f;
            });
            if (next[0] != null) {
                launch(key, flight, next[0]);
            }
            if (error == null) {
                target.complete(value);
            } else {
                target.completeExceptionally(error);
            }
        });
    }
}
