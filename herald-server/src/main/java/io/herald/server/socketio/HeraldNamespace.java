package io.herald.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Principal;
import io.herald.server.ServerConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.TokenVerifier;
import io.herald.server.codec.WireErrors;
import io.herald.server.http.Json;
import io.herald.server.websocket.FloodGuard;
import java.time.Duration;
import java.util.Map;

/**
 * The namespace {@code /} of {@code /socket.io/}: each connected socket is a Herald session
 * ({@link HeraldSocket}) that subscribes, unsubscribes and publishes with events and receives
 * {@code publication} events (docs/protocol.md, "Socket.IO").
 *
 * <p>{@code CONNECT}: with access control on, the payload's {@code token} is verified like the
 * WebSocket protocol's {@code connect} (docs/security.md); a missing or bad one is answered with
 * {@code CONNECT_ERROR} {@code {"message":"unauthorized","data":{"code":..,"message":..}}}. The
 * answer is {@code {"sid":..,"pid":..}}: {@code pid} turns on socket.io-client's connection state
 * recovery. A {@code CONNECT} with the {@code pid} and {@code offset} of an earlier socket gets that
 * {@code pid} back and its subscriptions restored from the offset's positions ({@link Cursor}).
 * Stateless; thread-safe.
 */
final class HeraldNamespace implements SioNamespace {
    private final Node node;
    private final TokenVerifier tokens;
    private final Duration grace;
    private final ServerConfig config;

    /**
     * @param node        the node sockets subscribe and publish on
     * @param config      the server configuration ({@code auth.expiry-grace}, the {@code limits.ws.*} rates)
     * @param credentials the token keys; access control is on when it has a verifier
     */
    HeraldNamespace(Node node, ServerConfig config, Credentials credentials) {
        this.node = node;
        this.config = config;
        this.tokens = credentials.tokens();
        this.grace = config.auth().expiryGrace();
    }

    @Override
    public SioSocket connect(SioConnection connection, String namespace, JsonNode auth) {
        Principal principal = Principal.ANONYMOUS;
        if (tokens != null) {
            JsonNode token = auth == null ? null : auth.get("token");
            try {
                if (token == null || !token.isTextual()) {
                    throw new HeraldException(io.herald.core.ErrorCode.UNAUTHORIZED,
                            "connect without a token (expected: the auth option {token:\"JWT\"})");
                }
                principal = tokens.verify(token.textValue());
            } catch (HeraldException e) {
                connection.connectError(namespace, "{\"message\":\"" + e.code().code() + "\",\"data\":"
                        + WireErrors.errorJson(e.code(), e.getMessage()) + "}");
                return null;
            }
        }
        Map<String, StreamPosition> recovered = null;
        String pid = null;
        if (auth != null && auth.path("pid").isTextual() && auth.path("offset").isTextual()) {
            recovered = Cursor.parse(auth.get("offset").textValue());
            pid = recovered == null ? null : auth.get("pid").textValue();
            if (pid != null && (pid.isEmpty() || pid.length() > 64)) {
                pid = null;
                recovered = null;
            }
        }
        if (pid == null) {
            pid = SioConnection.newId();
        }
        HeraldSocket socket = new HeraldSocket(node, connection, namespace, new FloodGuard(config));
        try {
            socket.start(principal, grace);
        } catch (HeraldException e) {
            connection.connectError(namespace, "{\"message\":\"" + e.code().code() + "\",\"data\":"
                    + WireErrors.errorJson(e.code(), e.getMessage()) + "}");
            return null;
        }
        connection.connected(namespace, "{\"sid\":\"" + SioConnection.newId() + "\",\"pid\":" + Json.quote(pid) + "}");
        connection.flush();
        if (recovered != null) {
            socket.recover(recovered);
        }
        return socket;
    }
}
