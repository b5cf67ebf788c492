package io.herald.server.config;

import io.herald.core.auth.AccessLevel;
import io.herald.server.ListenAddress;
import io.herald.server.cli.DurationConverter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.function.BiConsumer;

/**
 * One setting of the server: its key in the configuration file (a dotted path, e.g.
 * {@code server.port}), its type and default, the environment variable and the command-line flag
 * that may override it, and how it is applied to the configuration records. The table of them all
 * is {@link Settings}; docs/configuration.md documents each. Immutable.
 *
 * @param key         the dotted key path in the file, e.g. {@code history.age}
 * @param type        how its text is read
 * @param defaultValue the value when nothing sets it, of the type's Java class
 * @param flag        the long command-line flag that overrides it, or null
 * @param field       the component of the configuration record it sets, as its validation errors
 *                    name it (e.g. {@code historySize}), or null
 * @param apply       sets the value on the builders being filled
 */
public record Setting(String key, Type type, Object defaultValue, String flag, String field,
                      BiConsumer<Builders, Object> apply) {

    /** The value types of settings, each with its reading of a text (from the file or the environment). */
    public enum Type {
        /** Text, as is; empty written {@code ""}. */
        STRING,
        /** A whole number that fits an {@code int}. */
        INT,
        /** A whole number that fits a {@code long}. */
        LONG,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** A duration: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, ISO-8601, or {@code 0}. */
        DURATION,
        /**
         * Where to listen, {@code HOST:PORT} ({@code [::1]:9090} for IPv6), as a {@link ListenAddress};
         * or {@code off}, read as null (no listener).
         */
        LISTEN,
        /** A file path, as is; empty (written {@code ""}) for none. */
        PATH,
        /**
         * A list of texts, as a {@code List<String>}: a YAML sequence in the file ({@code [a, b]} or
         * one {@code - item} a line), comma-separated in the environment (brackets and double
         * quotes around items allowed); empty items are dropped.
         */
        LIST,
        /**
         * Who may do something on a namespace's channels when access control is on, as an
         * {@link AccessLevel}: {@code anonymous}, {@code authenticated}, {@code owner},
         * {@code subscriber}, {@code grant} or {@code none}; {@code same-as-subscribe} (read as null)
         * for a history level that follows the subscribe level.
         */
        ACCESS;

        /** The text of {@link #ACCESS} for "the subscribe level". */
        public static final String SAME_AS_SUBSCRIBE = "same-as-subscribe";
        /** The text of {@link #LISTEN} for no listener. */
        public static final String OFF = "off";


        /**
         * Reads {@code text} as a value of this type.
         *
         * @throws IllegalArgumentException with the problem, e.g. {@code "10 minutes" is not a duration (use 10m)}
         */
        public Object parse(String text) {
            String t = text.trim();
            switch (this) {
                case STRING:
                    return t.equals("\"\"") ? "" : t;
                case INT:
                case LONG:
                    try {
                        return this == INT ? (Object) Integer.parseInt(t) : (Object) Long.parseLong(t);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(quote(text) + " is not a whole number"
                                + (this == INT ? " (at most " + Integer.MAX_VALUE + ")" : ""));
                    }
                case BOOLEAN:
                    if (t.equals("true") || t.equals("false")) {
                        return Boolean.parseBoolean(t);
                    }
                    throw new IllegalArgumentException(quote(text) + " is not true or false");
                case PATH:
                    return t.equals("\"\"") ? "" : t;
                case ACCESS:
                    if (t.equals(SAME_AS_SUBSCRIBE)) {
                        return null;
                    }
                    for (AccessLevel level : AccessLevel.values()) {
                        if (level.word().equals(t)) {
                            return level;
                        }
                    }
                    throw new IllegalArgumentException(quote(text) + " is not a level (expected: " + Arrays.stream(AccessLevel.values())
                            .map(AccessLevel::word).collect(Collectors.joining(", ")) + ")");
                case LIST:
                    String items = t.startsWith("[") && t.endsWith("]") ? t.substring(1, t.length() - 1) : t;
                    return Arrays.stream(items.split(",")).map(String::trim)
                            .map(item -> item.length() >= 2 && item.startsWith("\"") && item.endsWith("\"")
                                    ? item.substring(1, item.length() - 1) : item)
                            .filter(item -> !item.isEmpty()).toList();
                case DURATION:
                    try {
                        return DurationConverter.parse(t);
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException(quote(text) + " is not a duration (use 10m)");
                    }
                case LISTEN:
                    if (t.equals(OFF)) {
                        return null;
                    }
                    try {
                        return ListenAddress.parse(t);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(quote(text) + " is not HOST:PORT or off"
                                + " (e.g. 127.0.0.1:9090; port 0..65535)");
                    }
                default:
                    throw new AssertionError(this);
            }
        }

        /**
         * {@code value} written back as the file would hold it (durations as {@code 10m}, {@code 2ms};
         * no listener as {@code off}).
         */
        public String format(Object value) {
            if (value instanceof Duration d) {
                return formatDuration(d);
            }
            if (value instanceof List<?> items) {
                return items.stream().map(item -> "\"" + String.valueOf(item).replace("\"", "\\\"") + "\"")
                        .collect(Collectors.joining(", ", "[", "]"));
            }
            if (this == LISTEN) {
                return value == null ? OFF : quoteIfNeeded(value.toString());
            }
            if (this == ACCESS) {
                return value == null ? SAME_AS_SUBSCRIBE : ((AccessLevel) value).word();
            }
            return this == STRING || this == PATH ? quoteIfNeeded(String.valueOf(value)) : String.valueOf(value);
        }

        private static String quote(String text) {
            return "\"" + text + "\"";
        }

        private static String quoteIfNeeded(String s) {
            return s.isEmpty() || !s.matches("[A-Za-z0-9_./:@-]+") ? "\"" + s.replace("\"", "\\\"") + "\"" : s;
        }
    }

    /** The environment variable: {@code HERALD_} and the key upper-cased, dots and dashes as {@code _}. */
    public String env() {
        return envName(key);
    }

    /** The environment variable for a key path, e.g. {@code HERALD_SERVER_PORT} for {@code server.port}. */
    public static String envName(String key) {
        return "HERALD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** {@code 1h}, {@code 10m}, {@code 30s}, {@code 500ms} or {@code 0}: the shortest exact form. */
    static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0 && d.isZero()) {
            return "0";
        }
        if (!d.equals(Duration.ofMillis(ms))) {
            return d.toString();
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
