package io.herald.server.codec;

import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceStats;
import io.herald.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON of presence (docs/protocol.md, "Presence"), shared by {@code GET /presence} and the
 * WebSocket protocol:
 * <pre>
 * {"channel":"c","clients":[{"client":"k3x9ab2q-17","user":"42"},{"client":"k3x9ab2q-18"}]}   the list
 * {"channel":"c","clients":2,"users":1}                                                        the counts
 * {"join":{"channel":"c","client":"k3x9ab2q-17","user":"42"}}                                  an event
 * {"leave":{"channel":"c","client":"k3x9ab2q-17","user":"42"}}
 * </pre>
 * {@code user} is left out for a client without a user id. Stateless and thread-safe.
 */
public final class PresenceJson {
    private PresenceJson() {
    }

    /** The list's members: {@code "channel":"c","clients":[...]}, without the braces. */
    public static String clientsFields(String channel, List<ClientInfo> clients) {
        StringBuilder b = new StringBuilder(32 + 48 * clients.size());
        b.append("\"channel\":").append(Json.quote(channel)).append(",\"clients\":[");
        for (int i = 0; i < clients.size(); i++) {
            b.append(i == 0 ? "{" : ",{");
            client(b, clients.get(i));
            b.append('}');
        }
        return b.append(']').toString();
    }

    /** The counts' members: {@code "channel":"c","clients":N,"users":M}, without the braces. */
    public static String statsFields(String channel, PresenceStats stats) {
        return "\"channel\":" + Json.quote(channel) + ",\"clients\":" + stats.clients() + ",\"users\":" + stats.users();
    }

    /** The body of {@code GET /presence/{channel}}. */
    public static byte[] clients(String channel, List<ClientInfo> clients) {
        return ("{" + clientsFields(channel, clients) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** The body of {@code GET /presence/{channel}?count=true}. */
    public static byte[] stats(String channel, PresenceStats stats) {
        return ("{" + statsFields(channel, stats) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** A join or leave event: {@code {"join":{...}}} or {@code {"leave":{...}}}. */
    public static String event(PresenceEvent event) {
        StringBuilder b = new StringBuilder(96);
        b.append(event.join() ? "{\"join\":{" : "{\"leave\":{").append("\"channel\":").append(Json.quote(event.channel())).append(',');
        client(b, event.client());
        return b.append("}}").toString();
    }

    private static void client(StringBuilder b, ClientInfo c) {
        b.append("\"client\":").append(Json.quote(c.client()));
        if (c.user() != null) {
            b.append(",\"user\":").append(Json.quote(c.user()));
        }
    }
}
