package io.herald.core.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Who may do an {@link Action} on the channels of a namespace when access control is on
 * (docs/security.md, "Channel permissions"). Whatever the level, an {@link Principal.Kind#SERVER}
 * principal may publish, a subscription token may subscribe to its one channel and a token's
 * {@link Grants} allow what they name, except under {@link #NONE}.
 */
public enum AccessLevel {
    /** Anyone, with or without a token. */
    ANONYMOUS,
    /** Any client with a valid token. */
    AUTHENTICATED,
    /**
     * The owner: the channel's name after {@code NAMESPACE:} up to the first {@code .} equals the
     * token's {@code sub} ({@code user:42} and {@code user:42.inbox} belong to {@code sub} 42).
     */
    OWNER,
    /** Publishing only: a connection that is subscribed to the channel. */
    SUBSCRIBER,
    /** Only what the token's grants (or a subscription token) allow. */
    GRANT,
    /** No client at all, not even with a grant (the server API still publishes). */
    NONE;

    /** The word in the configuration, e.g. {@code "authenticated"}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a level from its word.
     *
     * @param field the option being read, for the message
     * @throws IllegalArgumentException {@code "subscribe: x (expected: anonymous, authenticated, ...)"}
     */
    public static AccessLevel parse(String field, String word) {
        for (AccessLevel level : values()) {
            if (level.word().equals(word)) {
                return level;
            }
        }
        throw new IllegalArgumentException(field + ": " + word + " (expected: "
                + Arrays.stream(values()).map(AccessLevel::word).collect(Collectors.joining(", ")) + ")");
    }
}
