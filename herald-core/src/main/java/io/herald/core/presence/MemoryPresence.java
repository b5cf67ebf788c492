package io.herald.core.presence;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PresenceStore} of one process (the in-memory broker's): per channel a map of client id
 * to entry, dropped with its last entry; events go straight to the listener when the channel is
 * watched. Entries need no expiry: they live and die with the sessions of this process. Every
 * future is complete when the method returns. Thread-safe.
 */
public final class MemoryPresence implements PresenceStore {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ConcurrentHashMap<String, Map<String, ClientInfo>> channels = new ConcurrentHashMap<>();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private volatile PresenceListener listener = e -> { };

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
            listener.onPresenceEvent(event);
        }
        return DONE;
    }

    @Override
    public void close() {
        channels.clear();
        watched.clear();
    }
}
