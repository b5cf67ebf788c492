package io.herald.core.presence;

import java.util.Objects;

/**
 * One client's presence entry in a channel (docs/protocol.md, "Presence"). Immutable.
 *
 * @param client the client id: the subscribing session's id, unique across the nodes of a
 *               deployment ({@code NODE-SESSION}, e.g. {@code k3x9ab2q-17})
 * @param user   the user id (the token's {@code sub}) when the client presented a user token, else
 *               null (access control off, or an anonymous client)
 */
public record ClientInfo(String client, String user) {
    public ClientInfo {
        Objects.requireNonNull(client, "client");
    }
}
