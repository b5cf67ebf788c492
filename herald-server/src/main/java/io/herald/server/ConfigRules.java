package io.herald.server;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks the configuration records ({@link ServerConfig}, {@link io.herald.server.auth.AuthConfig})
 * run in their constructors, each failing with the one message shape the configuration loader turns
 * into a line naming the key: {@code "field: value (expected: rule)"}. Stateless.
 */
public final class ConfigRules {
    private ConfigRules() {
    }

    /**
     * @throws IllegalArgumentException {@code "name: value (expected: expected)"} unless {@code ok}
     */
    public static void check(String name, Object value, boolean ok, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
        }
    }

    /** @throws IllegalArgumentException unless {@code d} is at least zero; NullPointerException when null */
    public static void notNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        check(name, d, !d.isNegative(), ">= 0");
    }

    /** @throws IllegalArgumentException unless {@code d} is more than zero; NullPointerException when null */
    public static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        check(name, d, !d.isNegative() && !d.isZero(), "> 0");
    }
}
