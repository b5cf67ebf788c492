package io.herald.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.socketio.engine.EngineSocket;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A publication's Socket.IO event is built once and shared by every socket whose event is the same
 * (docs/protocol.md, "Socket.IO"): sockets of the namespace {@code /} whose offset names the
 * publication's channel alone get {@code 42["publication",<envelope>,"CHANNEL=ID"]} over WebSocket as
 * one pre-framed WebSocket frame written past the frame encoder, over long polling as the same packet
 * bytes; a socket on several channels gets its own event with its whole offset, and shares again once
 * it is down to one channel.
 */
@Timeout(60)
class SocketIoSharedFramesTest {
    private static final String WS = "/socket.io/?EIO=4&transport=websocket";
    private static final String POLLING = "/socket.io/?EIO=4&transport=polling";

    /** The next Engine.IO message over {@code ws}, whole (with its {@code 4}), answering pings. */
    private static String next(WsClient ws) {
        while (true) {
            String t = ws.nextText();
            if (!t.equals("2")) {
                assertThat(t).startsWith("4");
                return t;
            }
            ws.send("3");
        }
    }

    /** A WebSocket whose socket of {@code /} is subscribed to {@code channels}, in order (acks and subscribed events read). */
    private static WsClient subscribed(TestServer server, String... channels) {
        WsClient ws = WsClient.connect(server, WS);
        assertThat(ws.nextText()).startsWith("0{");
        ws.send("40");
        assertThat(next(ws)).startsWith("40{");
        int ack = 1;
        for (String channel : channels) {
            ws.send("42" + ack + "[\"subscribe\",{\"channel\":\"" + channel + "\"}]");
            assertThat(next(ws)).startsWith("43" + ack + "[{\"ok\":true");
            assertThat(next(ws)).startsWith("42[\"subscribed\"");
            ack++;
        }
        return ws;
    }

    /** The packets of the next polls of {@code base} until one starts with {@code prefix}; returns that one. */
    private static String poll(TestServer server, String base, String prefix) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String packet : server.get(base).body().split("\u001e")) {
                if (packet.startsWith(prefix)) {
                    return packet;
                }
                seen.add(packet);
            }
        }
        throw new AssertionError("no packet starting with " + prefix + " in " + seen);
    }

    private static JsonNode array(String message) {
        assertThat(message).startsWith("42[");
        return TestServer.json(message.substring(2));
    }

    @Test
    void socketsOnOneChannelGetOneSharedFrameAndASocketOnTwoItsOwnEvent() {
        try (TestServer server = TestServer.start()) {
            String open = server.get(POLLING).body();
            String base = POLLING + "&sid=" + TestServer.json(open.substring(1)).path("sid").asText();
            assertThat(server.post(base, "40", "text/plain;charset=UTF-8").body()).isEqualTo("ok");
            assertThat(poll(server, base, "40{")).startsWith("40{");
            assertThat(server.post(base, "421[\"subscribe\",{\"channel\":\"sio:shared\"}]", "text/plain;charset=UTF-8").body())
                    .isEqualTo("ok");
            poll(server, base, "42[\"subscribed\"");

            try (WsClient a = subscribed(server, "sio:shared");
                 WsClient b = subscribed(server, "sio:shared");
                 WsClient two = subscribed(server, "sio:shared", "sio:other")) {
                long sharedBefore = EngineSocket.sharedFramesWritten();

                String id = server.publish("sio:shared", "{\"n\":\"caf\u00e9 \u2028\"}", "application/json", null).path("id").asText();
                String fromA = next(a);
                String fromB = next(b);
                assertThat(fromA).startsWith("42[\"publication\",{\"channel\":\"sio:shared\"")
                        .endsWith(",\"sio:shared=" + id + "\"]");
                assertThat(array(fromA).get(1).path("data").path("n").asText()).isEqualTo("caf\u00e9 \u2028");
                assertThat(fromB).isEqualTo(fromA);
                assertThat(EngineSocket.sharedFramesWritten() - sharedBefore).as("frames written shared: a's and b's")
                        .isEqualTo(2);
                assertThat(poll(server, base, "42[\"publication\"")).as("the same packet over long polling")
                        .isEqualTo(fromA);

                // a socket on two channels: the same envelope, its own offset naming both
                JsonNode own = array(next(two));
                JsonNode shared = array(fromA);
                assertThat(own.get(0).asText()).isEqualTo("publication");
                assertThat(own.get(1)).isEqualTo(shared.get(1));
                String[] offset = own.get(2).asText().split(" ");
                assertThat(offset).hasSize(2);
                assertThat(offset[0]).isEqualTo("sio:shared=" + id);
                assertThat(offset[1]).startsWith("sio:other=");
                String other = server.publish("sio:other", "o").path("id").asText();
                JsonNode onOther = array(next(two));
                assertThat(onOther.get(1).path("data").asText()).isEqualTo("o");
                assertThat(Arrays.asList(onOther.get(2).asText().split(" ")))
                        .containsExactly("sio:shared=" + id, "sio:other=" + other);

                // down to one channel, the socket shares the event again
                two.send("429[\"unsubscribe\",{\"channel\":\"sio:other\"}]");
                assertThat(next(two)).startsWith("439[{\"ok\":true");
                assertThat(array(next(two)).get(0).asText()).isEqualTo("unsubscribed");
                long sharedBeforeLast = EngineSocket.sharedFramesWritten();
                String last = server.publish("sio:shared", "last").path("id").asText();
                String lastA = next(a);
                assertThat(lastA).endsWith(",\"sio:shared=" + last + "\"]");
                assertThat(next(b)).isEqualTo(lastA);
                assertThat(next(two)).isEqualTo(lastA);
                assertThat(EngineSocket.sharedFramesWritten() - sharedBeforeLast).as("a's, b's and two's").isEqualTo(3);
                assertThat(poll(server, base, "42[\"publication\"")).isEqualTo(lastA);
            }
            server.post(base, "1", "text/plain;charset=UTF-8");
        }
    }
}
