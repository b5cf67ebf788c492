package io.herald.core.broker;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.presence.MemoryPresence;
import io.herald.core.presence.PresenceStore;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A {@link Broker} for one node: streams and history live in this process's memory.
 *
 * <p>Each channel's stream gets a random epoch when first used, so positions from an earlier run
 * of the process are detected as stale. History is a per-channel deque bounded by the namespace's
 * size; publications older than its age are dropped when the channel is next written or read, and
 * once a second by {@link #expire()}. Publish appends and delivers under the channel's lock, so delivery order is
 * offset order; the listener only enqueues and never blocks. All futures complete before the
 * method returns. Thread-safe.
 */
public final class MemoryBroker implements Broker {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    /**
     * How long a channel's stream (its epoch and top offset) is kept once its history is empty and
     * nobody published to or read it. After that the stream is dropped; used again, it starts a new
     * epoch, so an old position is announced as a reset rather than silently mis-served.
     */
    public static final long STREAM_TTL_MS = 24L * 60 * 60 * 1000;
    /**
     * The most idempotency keys a channel remembers: past it the oldest is forgotten before its
     * window ends (10,000 keys, at 24 to 200 bytes each, about 2 MB per channel at most).
     */
    public static final int MAX_KEYS = 10_000;

    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private volatile BrokerListener listener = p -> { };
    private final MemoryPresence presence = new MemoryPresence();
    private ScheduledExecutorService expiry;

    /** A broker on the system clock. */
    public MemoryBroker() {
        this(System::currentTimeMillis);
    }

    /** A broker on the given clock (milliseconds since the Unix epoch), for tests of history age. */
    public MemoryBroker(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Starts delivering to {@code listener} and starts a daemon thread that calls {@link #expire()}
     * once a second, so aged history is freed even on channels nobody touches.
     */
    @Override
    public synchronized void start(BrokerListener listener) {
        this.listener = listener;
        if (expiry == null) {
            expiry = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "herald-history-expiry");
                t.setDaemon(true);
                return t;
            });
            expiry.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public CompletableFuture<Publication> publish(String channel, String event, Payload data, NamespaceOptions options,
                                                  String idempotencyKey, String key) {
        for (;;) {
            Stream stream = streams.computeIfAbsent(channel, c -> new Stream(newEpoch(), clock.getAsLong()));
            synchronized (stream) {
                if (!stream.dead) {
                    return publish(stream, channel, event, data, options, idempotencyKey, key);
                }
            }
        }
    }

    /**
     * Appends and delivers, or answers the publication stored earlier under {@code idempotencyKey};
     * the caller holds {@code stream}'s monitor.
     */
    private CompletableFuture<Publication> publish(Stream stream, String channel, String event, Payload data,
                                                   NamespaceOptions options, String idempotencyKey, String key) {
        long now = clock.getAsLong();
        stream.lastUsed = now;
        if (idempotencyKey != null) {
            Publication earlier = stream.keyed(idempotencyKey, now);
            if (earlier != null) {
                return CompletableFuture.completedFuture(new Publication(channel, earlier.offset(), earlier.epoch(), event,
                        data, earlier.time(), key));
            }
        }
        Publication publication = new Publication(channel, stream.top + 1, stream.epoch, event, data, now, key);
        stream.top++;
        stream.options = options;
        if (options.historySize() > 0) {
            stream.items.addLast(publication);
        }
        stream.trim(options, now);
        if (idempotencyKey != null) {
            stream.remember(idempotencyKey, publication);
        }
        listener.onPublication(publication);
        return CompletableFuture.completedFuture(publication);
    }

    @Override
    public CompletableFuture<HistoryResult> history(String channel, StreamPosition since, int limit, NamespaceOptions options) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        for (;;) {
            Stream stream = streams.computeIfAbsent(channel, c -> new Stream(newEpoch(), clock.getAsLong()));
            synchronized (stream) {
                if (!stream.dead) {
                    return history(stream, since, limit, options);
                }
            }
        }
    }

    /** Reads a page; the caller holds {@code stream}'s monitor. */
    private CompletableFuture<HistoryResult> history(Stream stream, StreamPosition since, int limit, NamespaceOptions options) {
        stream.options = options;
        stream.lastUsed = clock.getAsLong();
        stream.trim(options, stream.lastUsed);
        long oldest = stream.items.isEmpty() ? stream.top + 1 : stream.items.peekFirst().offset();
        List<Publication> page = new ArrayList<>(Math.min(limit, stream.items.size()));
        if (limit > 0 && !stream.items.isEmpty()) {
            if (since == null) {
                int skip = Math.max(0, stream.items.size() - limit);
                Iterator<Publication> it = stream.items.iterator();
                for (int i = 0; it.hasNext(); i++) {
                    Publication p = it.next();
                    if (i >= skip) {
                        page.add(p);
                    }
                }
            } else {
                for (Publication p : stream.items) {
                    if (p.offset() > since.offset()) {
                        page.add(p);
                        if (page.size() == limit) {
                            break;
                        }
                    }
                }
            }
        }
        return CompletableFuture.completedFuture(
                new HistoryResult(page, new StreamPosition(stream.epoch, stream.top), oldest));
    }

    @Override
    public CompletableFuture<Void> subscribe(String channel) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String channel) {
        return CompletableFuture.completedFuture(null);
    }

    /** Always up: the streams live in this process. */
    @Override
    public CompletableFuture<BrokerHealth> health() {
        return CompletableFuture.completedFuture(BrokerHealth.UP);
    }

    /**
     * Drops publications older than their namespace's age (as last given for each channel) from
     * every channel, and streams with no history left that were unused for {@link #STREAM_TTL_MS}.
     *
     * @return how many publications were dropped
     */
    public int expire() {
        long now = clock.getAsLong();
        int dropped = 0;
        for (var entry : streams.entrySet()) {
            Stream stream = entry.getValue();
            synchronized (stream) {
                dropped += stream.trim(stream.options, now);
                if (stream.items.isEmpty() && now - stream.lastUsed > STREAM_TTL_MS) {
                    stream.dead = true;
                    streams.remove(entry.getKey(), stream);
                }
            }
        }
        return dropped;
    }

    /** The number of channel streams this broker holds. */
    public int streamCount() {
        return streams.size();
    }

    /** The in-memory presence of this process's sessions (docs/protocol.md, "Presence"). */
    @Override
    public PresenceStore presence() {
        return presence;
    }

    @Override
    public synchronized void close() {
        presence.close();
        if (expiry != null) {
            expiry.shutdownNow();
            expiry = null;
        }
        streams.clear();
    }

    static String newEpoch() {
        char[] c = new char[6];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    /** One channel's stream; guarded by its own monitor. */
    private static final class Stream {
        final String epoch;
        final ArrayDeque<Publication> items = new ArrayDeque<>();
        long top;
        long lastUsed;
        /** Set once the stream is dropped from the map; a caller holding it then takes a fresh one. */
        boolean dead;
        NamespaceOptions options = NamespaceOptions.DEFAULTS;
        /**
         * Idempotency keys of the last {@link Broker#IDEMPOTENCY_WINDOW}, oldest first; at most
         * {@link #MAX_KEYS} (the oldest is forgotten first). Null until the channel's first key.
         */
        LinkedHashMap<String, Publication> keys;

        Stream(String epoch, long now) {
            this.epoch = epoch;
            this.lastUsed = now;
        }

        /** The publication stored under {@code key} within the window, else null; forgets expired keys. */
        Publication keyed(String key, long now) {
            if (keys == null) {
                return null;
            }
            long cutoff = now - IDEMPOTENCY_WINDOW.toMillis();
            for (var it = keys.values().iterator(); it.hasNext(); ) {
                if (it.next().time() >= cutoff) {
                    break;
                }
                it.remove();
            }
            return keys.get(key);
        }

        void remember(String key, Publication publication) {
            if (keys == null) {
                keys = new LinkedHashMap<>();
            }
            keys.put(key, publication);
            if (keys.size() > MAX_KEYS) {
                Iterator<String> oldest = keys.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }

        /** Drops publications over the size or older than the age; returns how many. */
        int trim(NamespaceOptions options, long now) {
            int dropped = 0;
            while (items.size() > options.historySize()) {
                items.pollFirst();
                dropped++;
            }
            long cutoff = now - options.historyAge().toMillis();
            while (!items.isEmpty() && items.peekFirst().time() < cutoff) {
                items.pollFirst();
                dropped++;
            }
            return dropped;
        }
    }
}
