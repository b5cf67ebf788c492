package io.herald.core.auth;

import java.util.List;
import java.util.Objects;

/**
 * What a token allows beyond the namespace levels: for each {@link Action}, a list of channel
 * patterns. A pattern is an exact channel name, or a prefix ending in {@code *} ({@code doc:4*}
 * matches {@code doc:4} and {@code doc:42}; {@code *} matches every channel). {@code *} is outside
 * the channel alphabet, so a pattern is never ambiguous. Immutable; thread-safe.
 *
 * <p>Token claim: docs/security.md, "Tokens".
 *
 * @param subscribe patterns of channels the holder may subscribe to
 * @param publish   patterns of channels the holder may publish to
 * @param history   patterns of channels whose history the holder may read
 */
public record Grants(List<String> subscribe, List<String> publish, List<String> history) {
    /** No grants. */
    public static final Grants NONE = new Grants(List.of(), List.of(), List.of());

    public Grants {
        subscribe = List.copyOf(subscribe);
        publish = List.copyOf(publish);
        history = List.copyOf(history);
    }

    /** The patterns of one action. */
    public List<String> of(Action action) {
        return switch (action) {
            case SUBSCRIBE -> subscribe;
            case PUBLISH -> publish;
            case HISTORY -> history;
        };
    }

    /** Whether a pattern of {@code action} matches {@code channel}. */
    public boolean allows(Action action, String channel) {
        for (String pattern : of(action)) {
            if (matches(pattern, channel)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code pattern} (exact, or a prefix ending in {@code *}) matches {@code channel}. */
    public static boolean matches(String pattern, String channel) {
        Objects.requireNonNull(channel, "channel");
        if (pattern.endsWith("*")) {
            return channel.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(channel);
    }
}
