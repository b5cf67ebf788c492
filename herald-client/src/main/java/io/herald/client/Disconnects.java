package io.herald.client;

/**
 * What a disconnect code tells a client, docs/protocol.md "Disconnect codes": whether to reconnect.
 * Stateless.
 */
final class Disconnects {
    private Disconnects() {
    }

    /**
     * Whether a session ended with {@code code} (a WebSocket close code or a Herald goodbye code)
     * should be resumed: 4000-4099 (Herald's "reconnect and resume"), 1001, 1006 (connection lost),
     * 1011, 4408, 4429 and anything unknown yes; 1008, 1009, 4401, 4403, 4500-4999 no. The
     * protocol errors 1002 and 1007 mean the client sent what the server cannot read: no.
     */
    static boolean reconnects(int code) {
        if (code >= 4500 && code <= 4999) {
            return false;
        }
        switch (code) {
            case 1002: case 1007: case 1008: case 1009: case 4401: case 4403:
                return false;
            default:
                return true;
        }
    }

    /** The exception of a disconnect that ends the subscriptions. */
    static HeraldClientException ended(int code, String reason) {
        int status = code >= 4400 && code <= 4499 ? code - 4000 : 0;
        return new HeraldClientException("disconnected", "the server ended the session with " + code + " " + reason
                + " and advises not to reconnect", status, code, null);
    }
}
