package io.herald.server.websocket;

import io.herald.server.auth.AuthConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.TokenVerifier;
import java.time.Duration;

/**
 * What the WebSocket transports need of access control: the token verifier (null when access
 * control is off), how long {@code /ws} waits for its {@code connect} command
 * ({@code auth.timeout}) and how long a session outlives its token ({@code auth.expiry-grace}).
 * Immutable; thread-safe.
 *
 * <p>Model: docs/protocol.md, "WebSocket protocol" and "WebSocket, raw"; settings:
 * docs/configuration.md, "Access control".
 *
 * @param tokens  the verifier, or null when access control is off
 * @param timeout how long {@code /ws} waits for {@code connect}, {@code > 0}
 * @param grace   how long past its token's {@code exp} a session lives, {@code >= 0}
 */
record WebSocketAccess(TokenVerifier tokens, Duration timeout, Duration grace) {
    /** Access control off: every session is anonymous and never expires. */
    static final WebSocketAccess OFF = new WebSocketAccess(null, Duration.ofSeconds(10), Duration.ZERO);

    /** The access of a server with {@code credentials} loaded from {@code config}. */
    static WebSocketAccess of(Credentials credentials, AuthConfig config) {
        return credentials.tokens() == null ? OFF
                : new WebSocketAccess(credentials.tokens(), config.timeout(), config.expiryGrace());
    }

    /** Whether access control is on: tokens are checked and sessions expire with them. */
    boolean enabled() {
        return tokens != null;
    }
}
