package io.herald.core.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * Who a client is, as the server established it from its credentials: nobody
 * ({@link #ANONYMOUS}), a user with a verified token, or a server holding an API key. Immutable;
 * thread-safe.
 *
 * @param kind      anonymous, user or server
 * @param subject   the user id (the token's {@code sub}), the API key's name, or {@code ""} for anonymous
 * @param grants    what the token grants beyond the namespace levels ({@link Grants#NONE} for none)
 * @param channel   for a subscription token, the one channel it lets its holder subscribe to; else null
 * @param expiresAt when the credential stops being valid (the token's {@code exp}), or null for never
 */
public record Principal(Kind kind, String subject, Grants grants, String channel, Instant expiresAt) {
    /** Nobody: no credential was presented. */
    public static final Principal ANONYMOUS = new Principal(Kind.ANONYMOUS, "", Grants.NONE, null, null);

    /** The kinds of principal. */
    public enum Kind {
        /** No credential. */
        ANONYMOUS,
        /** A verified user token (a connection token, or a subscription token when {@code channel} is set). */
        USER,
        /** A server holding an API key with publish scope: publishes anywhere, never subscribes. */
        SERVER
    }

    public Principal {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(grants, "grants");
    }

    /** A user with a verified token. */
    public static Principal user(String subject, Grants grants, String channel, Instant expiresAt) {
        return new Principal(Kind.USER, subject, grants, channel, expiresAt);
    }

    /** A server with an API key of publish scope, named for logs. */
    public static Principal server(String keyName) {
        return new Principal(Kind.SERVER, keyName, Grants.NONE, null, null);
    }

    /** Whether a credential was presented and verified. */
    public boolean authenticated() {
        return kind != Kind.ANONYMOUS;
    }

    /** Whether this is a subscription token (one channel, subscribe only). */
    public boolean subscriptionToken() {
        return channel != null;
    }

    /** Whether the credential has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** For logs: {@code anonymous}, {@code user 42}, {@code server backend}; never a credential. */
    @Override
    public String toString() {
        return switch (kind) {
            case ANONYMOUS -> "anonymous";
            case USER -> "user " + subject + (channel == null ? "" : " (subscription token for " + channel + ")");
            case SERVER -> "server " + subject;
        };
    }
}
