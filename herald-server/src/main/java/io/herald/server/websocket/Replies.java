package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HistoryPage;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.PresenceJson;
import io.herald.server.codec.WireErrors;
import io.herald.server.http.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The JSON texts the WebSocket protocol on {@code /ws} sends besides pushes. Every reply carries
 * the command's {@code id} and either {@code "ok":true} or an {@code error}; a client tells replies
 * from pushes (envelopes, which have no {@code ok} or {@code error}) and from the goodbye
 * ({@code disconnect}) by those keys:
 * <pre>
 * {"id":1,"ok":true,"channel":"c","reset":false,"position":"EPOCH-N","recovered":3}   subscribe
 * {"id":2,"ok":true,"channel":"c"}                                                    unsubscribe
 * {"id":3,"ok":true,"channel":"c","position":"EPOCH-N","offset":N}                    publish
 * {"id":4,"ok":true,"messages":[envelope...],"next":"ID","reset":false}               history
 * {"id":5,"ok":true}                                                                  ping
 * {"id":6,"ok":true,"expires_in":300}                         connect, refresh (no expires_in without a token exp)
 * {"id":8,"ok":true,"channel":"c","clients":[{"client":"ID","user":"42"}]}              presence
 * {"id":9,"ok":true,"channel":"c","clients":2,"users":1}                              presence with count
 * {"join":{"channel":"c","client":"ID","user":"42"}}                                  join event (leave: "leave")
 * {"id":1,"error":{"code":"invalid_command","message":"..."}}                         any failure
 * {"disconnect":{"code":4000,"reason":"...","reconnect":true}}                        goodbye
 * </pre>
 * {@code id} is {@code null} in the error reply to a message whose id could not be read.
 * Stateless and thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "WebSocket protocol".
 */
final class Replies {
    private Replies() {
    }

    /** {@code {"id":1,"ok":true}}. */
    static String ok(Long id) {
        return "{\"id\":" + id + ",\"ok\":true}";
    }

    /**
     * The reply to {@code connect} and {@code refresh}: {@code expires_in} is the seconds until the
     * token's {@code exp}, left out when {@code expiresIn < 0} (access control off, or no {@code exp}).
     */
    static String connected(Long id, long expiresIn) {
        return expiresIn < 0 ? ok(id) : "{\"id\":" + id + ",\"ok\":true,\"expires_in\":" + expiresIn + "}";
    }

    /** The subscribe reply for the subscription's first push, the {@link Subscribed} notice. */
    static String subscribed(Long id, Subscribed notice) {
        return "{\"id\":" + id + ",\"ok\":true,\"channel\":" + Json.quote(notice.channel())
                + ",\"reset\":" + notice.reset() + ",\"position\":\"" + notice.position().id()
                + "\",\"recovered\":" + notice.recovered() + "}";
    }

    /** The unsubscribe reply. */
    static String unsubscribed(Long id, String channel) {
        return "{\"id\":" + id + ",\"ok\":true,\"channel\":" + Json.quote(channel) + "}";
    }

    /** The publish reply: the stored publication's position ({@code id} is the command's). */
    static String published(Long id, Publication p) {
        return "{\"id\":" + id + ",\"ok\":true,\"channel\":" + Json.quote(p.channel()) + ",\"position\":\""
                + p.id() + "\",\"offset\":" + p.offset() + "}";
    }

    /**
     * The history reply: the page body of {@code GET /history} with the id and {@code ok} in
     * front, the publications' shared envelopes copied in once.
     */
    static ByteBuf history(Long id, HistoryPage page) {
        byte[] body = Envelopes.page(page.publications(), page.next(), page.reset());
        byte[] head = ("{\"id\":" + id + ",\"ok\":true,").getBytes(StandardCharsets.US_ASCII);
        // body starts with '{': drop it and append the rest after our head.
        return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head), Unpooled.wrappedBuffer(body, 1, body.length - 1));
    }

    /** The presence reply: the body of {@code GET /presence} with the id and {@code ok} in front. */
    static String presence(Long id, String channel, java.util.List<io.herald.core.presence.ClientInfo> clients) {
        return "{\"id\":" + id + ",\"ok\":true," + PresenceJson.clientsFields(channel, clients) + "}";
    }

    /** The presence reply with {@code count}: the body of {@code GET /presence?count=true} with the id and {@code ok}. */
    static String presenceStats(Long id, String channel, io.herald.core.presence.PresenceStats stats) {
        return "{\"id\":" + id + ",\"ok\":true," + PresenceJson.statsFields(channel, stats) + "}";
    }

    /** {@code {"id":1,"error":{"code":"...","message":"..."}}}. */
    static String error(Long id, ErrorCode code, String message) {
        return "{\"id\":" + id + ",\"error\":" + WireErrors.errorJson(code, message) + "}";
    }

    /** The goodbye sent before the close frame. */
    static String disconnect(Disconnect reason) {
        return "{\"disconnect\":" + WireErrors.disconnectJson(reason) + "}";
    }
}
