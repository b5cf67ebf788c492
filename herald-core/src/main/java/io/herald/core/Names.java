package io.herald.core;

/**
 * Validation of the names of the wire contract (docs/protocol.md, "Vocabulary"): channels,
 * event types, idempotency keys and publication keys, and the namespace of a channel.
 *
 * <p>Stateless and thread-safe. The checks are hand-rolled loops rather than regular expressions
 * because they run on every publish and subscribe; the patterns in the javadoc are the rule.
 */
public final class Names {
    /** The event type a publication has when none is given. */
    public static final String DEFAULT_EVENT = "message";

    private Names() {
    }

    /** Whether {@code name} matches {@code ^[A-Za-z0-9_.:@-]{1,128}$}. */
    public static boolean isChannel(String name) {
        return name != null && matches(name, 128, true);
    }

    /** Whether {@code name} matches {@code ^[A-Za-z0-9_.:-]{1,64}$}. */
    public static boolean isEvent(String name) {
        return name != null && matches(name, 64, false);
    }

    /** Whether {@code key} matches {@code ^[A-Za-z0-9_.:@=+/-]{1,128}$}. */
    public static boolean isIdempotencyKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 128) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '@' || c == '=' || c == '+' || c == '/' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code key} matches {@code ^[A-Za-z0-9_.:@-]{1,64}$}: a publication's conflation key. */
    public static boolean isPublicationKey(String key) {
        return key != null && matches(key, 64, true);
    }

    /**
     * Returns {@code key} when it is null or a valid conflation key of a publication: 1 to 64 of
     * {@code A-Z a-z 0-9 _ . : @ -} (docs/protocol.md, "Conflation").
     *
     * @throws HeraldException {@link ErrorCode#INVALID_PARAMETER} otherwise
     */
    public static String checkPublicationKey(String key) {
        if (key != null && !isPublicationKey(key)) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                    "key " + quote(key) + " (expected: ^[A-Za-z0-9_.:@-]{1,64}$)");
        }
        return key;
    }

    /**
     * Returns {@code name} when it is a valid channel name.
     *
     * @throws HeraldException {@link ErrorCode#INVALID_CHANNEL} otherwise
     */
    public static String checkChannel(String name) {
        if (!isChannel(name)) {
            throw new HeraldException(ErrorCode.INVALID_CHANNEL,
                    "channel " + quote(name) + " (expected: ^[A-Za-z0-9_.:@-]{1,128}$)");
        }
        return name;
    }

    /**
     * Returns {@code key} when it is null or a valid idempotency key: 1 to 128 of
     * {@code A-Z a-z 0-9 _ . : @ = + / -} (UUIDs, base64 and most generated ids fit;
     * docs/protocol.md, "Idempotent publishing").
     *
     * @throws HeraldException {@link ErrorCode#INVALID_PARAMETER} otherwise
     */
    public static String checkIdempotencyKey(String key) {
        if (key != null && !isIdempotencyKey(key)) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                    "idempotency key " + quote(key) + " (expected: ^[A-Za-z0-9_.:@=+/-]{1,128}$)");
        }
        return key;
    }

    /**
     * Returns {@code name}, or {@link #DEFAULT_EVENT} when it is null, when it is a valid event type.
     *
     * @throws HeraldException {@link ErrorCode#INVALID_EVENT} otherwise
     */
    public static String checkEvent(String name) {
        if (name == null) {
            return DEFAULT_EVENT;
        }
        if (!isEvent(name)) {
            throw new HeraldException(ErrorCode.INVALID_EVENT,
                    "event " + quote(name) + " (expected: ^[A-Za-z0-9_.:-]{1,64}$)");
        }
        return name;
    }

    /**
     * The namespace of a channel: the prefix up to the first {@code ':'}, or {@code ""} when the
     * channel has none ({@code "chat:room1"} is in {@code "chat"}, {@code "demo"} in {@code ""}).
     */
    public static String namespaceOf(String channel) {
        int colon = channel.indexOf(':');
        return colon < 0 ? "" : channel.substring(0, colon);
    }

    /** Quotes a client-supplied value for an error message, shortened to 80 characters. */
    public static String quote(String value) {
        if (value == null) {
            return "(missing)";
        }
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return "'" + shown + "'";
    }

    private static boolean matches(String s, int max, boolean allowAt) {
        int n = s.length();
        if (n == 0 || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '-' || (allowAt && c == '@');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
