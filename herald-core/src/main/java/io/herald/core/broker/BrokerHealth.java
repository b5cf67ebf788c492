package io.herald.core.broker;

import java.util.Objects;

/**
 * What a {@link Broker} says of itself when asked ({@link Broker#health()}): whether it can store,
 * read and deliver now, and when it cannot, why, in words for an operator. The server's readiness
 * reads it (docs/protocol.md, "Health"). Immutable.
 *
 * @param up     whether the broker can serve now
 * @param detail why it cannot (e.g. {@code redis 10.0.0.5:6379: connection refused}); empty when up
 */
public record BrokerHealth(boolean up, String detail) {
    /** Up, with nothing to say. */
    public static final BrokerHealth UP = new BrokerHealth(true, "");

    public BrokerHealth {
        Objects.requireNonNull(detail, "detail");
    }

    /** Down, for the reason {@code detail}. */
    public static BrokerHealth down(String detail) {
        return new BrokerHealth(false, detail);
    }
}
