package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The WebSocket protocol, {@code /ws} with JSON commands, with the JDK's client: one
 * {@code subscribe} command, whose reply must come first and be exactly
 * {@code {"id":1,"ok":true,"channel":C,"reset":R,"position":P,"recovered":K}}, with {@code position}
 * the position asked for unless {@code reset}, which is the reset (to {@code position}). Then one
 * envelope per text frame; pings are the heartbeat; {@code {"disconnect":...}} is the goodbye,
 * followed by the close frame.
 */
final class ProtocolWebSocketClient implements TransportClient {
    @Override
    public String name() {
        return "WebSocket protocol";
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) {
        WsClient ws = WsClient.connect(server, "/ws");
        ws.send(subscribe(channel, since));
        String text = ws.nextText();
        JsonNode reply = TestServer.json(text);
        String position = reply.path("position").asText();
        boolean reset = reply.path("reset").asBoolean();
        ObjectNode expected = TestServer.JSON.createObjectNode().put("id", 1).put("ok", true).put("channel", channel)
                .put("reset", reset).put("position", position).put("recovered", reply.path("recovered").asLong());
        assertThat(text).as("the subscribe reply, first on the socket").isEqualTo(expected.toString());
        Deque<Signal> pending = new ArrayDeque<>();
        if (reset) {
            // Recovered publications follow a reset only from the start of a replaced stream (docs/protocol.md, "Resume rule").
            if (reply.path("recovered").asLong() > 0) {
                assertThat(position).as("the reset position when publications follow it").endsWith("-0");
            }
            pending.add(Signal.reset(position));
        } else if (since != null) {
            assertThat(position).as("the reply's position").isEqualTo(since);
        }
        return new Subscription() {
            @Override
            public Signal next() {
                if (!pending.isEmpty()) {
                    return pending.poll();
                }
                WsClient.Frame f = ws.next();
                switch (f.kind()) {
                    case PING:
                        return Signal.heartbeat();
                    case TEXT:
                        JsonNode message = f.json();
                        if (message.has("disconnect")) {
                            return Wire.goodbye(f.text(), message);
                        }
                        assertThat(message.has("ok") || message.has("error")).as("a push, not a reply: %s", f).isFalse();
                        return Wire.envelope(message, channel);
                    case CLOSE:
                        return Signal.end(f.code());
                    default:
                        throw new AssertionError("unexpected on a protocol socket: " + f);
                }
            }

            @Override
            public void close() {
                ws.socket().abort();
            }
        };
    }

    private static String subscribe(String channel, String since) {
        ObjectNode command = TestServer.JSON.createObjectNode().put("id", 1).put("op", "subscribe").put("channel", channel);
        if (since != null) {
            command.put("since", since);
        }
        return command.toString();
    }

    /** Upgrades, reads the 101 answer, then sends the subscribe command in a masked frame and reads no more. */
    @Override
    public String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        RawWebSocketClient.upgrade(socket, "/ws");
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("the upgrade answer").isNotNegative();
            head.write(b);
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101 ");
        byte[] payload = subscribe(channel, null).getBytes(StandardCharsets.UTF_8);
        assertThat(payload.length).as("fits a one-byte frame length").isLessThan(126);
        // FIN + text; masked, with the key 0 0 0 0, so the payload goes as is (RFC 6455, section 5.3).
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        OutputStream out = socket.getOutputStream();
        out.write(frame);
        out.flush();
        return "\u0081"; // a text frame: the subscribe reply
    }
}
