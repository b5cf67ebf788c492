package io.herald.core.presence;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PresenceStore} of one process (the in-memory broker's): per channel a map of client id
 * to entry, dropped with its last entry. Entries need no expiry: they live and die with the sessions
 * of this process. Every future is complete when the method returns. Thread-safe.
 *
 * <p>Events of watched channels reach the listener on one thread of their own, in the order they
 * were announced, never on the announcing thread: a subscription announces its join under its own
 * monitor, and the listener takes the monitors of the channel's other subscriptions, so delivering
 * at once would let two joins on two threads wait for each other. The queue holds
 * {@value #EVENT_QUEUE} events; past that an event is dropped and counted (join and leave events are
 * at most once, docs/protocol.md, "Presence"). The thread exists only while events are queued.
 */
public final class MemoryPresence implements PresenceStore {
    private static final Logger log = LoggerFactory.getLogger(MemoryPresence.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** The bound of the queue of events waiting for the listener. */
    static final int EVENT_QUEUE = 65_536;

    private final ConcurrentHashMap<String, Map<String, ClientInfo>> channels = new ConcurrentHashMap<>();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private volatile PresenceListener listener = e -> { };
    private final AtomicLong dropped = new AtomicLong();
    /** One thread at most, started when an event is queued and ended after a second idle. */
    private final ThreadPoolExecutor events = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(EVENT_QUEUE), r -> {
                Thread t = new Thread(r, "herald-presence-events");
                t.setDaemon(true);
                return t;
            }, (r, executor) -> {
                if (!executor.isShutdown() && dropped.getAndIncrement() % 10_000 == 0) {
                    log.warn("presence events queue full ({} events): join/leave events dropped, {} so far", EVENT_QUEUE, dropped.get());
                }
            });

    @Override
    public void start(PresenceListener listener) {
        this.listener = listener;
    }

    @Override
    public CompletableFuture<Void> add(String channel, ClientInfo client) {
        channels.compute(channel, (c, entries) -> {
            Map<String, ClientInfo> m = entries != null ? entries : new ConcurrentHashMap<>();
            m.put(client.client(), client);
            return m;
        });
        return DONE;
    }

    @Override
    public CompletableFuture<Void> remove(String channel, String clientId) {
        channels.computeIfPresent(channel, (c, entries) -> {
            entries.remove(clientId);
            return entries.isEmpty() ? null : entries;
        });
        return DONE;
    }

    @Override
    public CompletableFuture<List<ClientInfo>> clients(String channel) {
        Map<String, ClientInfo> entries = channels.get(channel);
        List<ClientInfo> list = entries == null ? new ArrayList<>() : new ArrayList<>(entries.values());
        list.sort(Comparator.comparing(ClientInfo::client));
        return CompletableFuture.completedFuture(list);
    }

    @Override
    public CompletableFuture<PresenceStats> stats(String channel) {
        return clients(channel).thenApply(MemoryPresence::count);
    }

    /** The counts of {@code entries}: clients, and distinct user ids among those that have one. */
    public static PresenceStats count(List<ClientInfo> entries) {
        Set<String> users = new HashSet<>();
        for (ClientInfo c : entries) {
            if (c.user() != null) {
                users.add(c.user());
            }
        }
        return new PresenceStats(entries.size(), users.size());
    }

    @Override
    public CompletableFuture<Void> watch(String channel) {
        watched.add(channel);
        return DONE;
    }

    @Override
    public CompletableFuture<Void> unwatch(String channel) {
        watched.remove(channel);
        return DONE;
    }

    @Override
    public CompletableFuture<Void> announce(PresenceEvent event) {
        if (watched.contains(event.channel())) {
            events.execute(() -> {
                try {
                    listener.onPresenceEvent(event);
                } catch (RuntimeException e) {
                    log.warn("the presence listener failed on {}", event, e);
                }
            });
        }
        return DONE;
    }

    @Override
    public void close() {
        events.shutdown();
        channels.clear();
        watched.clear();
    }
}
