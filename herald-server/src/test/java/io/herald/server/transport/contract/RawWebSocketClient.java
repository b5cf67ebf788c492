package io.herald.server.transport.contract;

import io.herald.core.StreamPosition;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The raw WebSocket, {@code /ws/{channel}?since=}, with the JDK's client: each publication is one
 * frame holding the payload as is (binary ones in binary frames), with no id: the client counts
 * frames from its position ({@code since=E-N}: the n-th frame is {@code E-(N+n)}); without a
 * position it knows no ids. The first frame is the reset notice when the position cannot be served.
 * Pings are the heartbeat; the close frame is the goodbye, its reason {@code REASON since=ID}
 * carrying the resume position.
 */
final class RawWebSocketClient implements TransportClient {
    @Override
    public String name() {
        return "raw WebSocket";
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) {
        WsClient ws = WsClient.connect(server, "/ws/" + channel + (since == null ? "" : "?since=" + since));
        return new Subscription() {
            private StreamPosition counted = since == null ? null : StreamPosition.parse(since);
            private boolean first = true;
            private Signal closedWith;

            @Override
            public Signal next() {
                if (closedWith != null) {
                    return Signal.end(closedWith.code());
                }
                WsClient.Frame f = ws.next();
                boolean wasFirst = first;
                first = false;
                switch (f.kind()) {
                    case PING:
                        first = wasFirst;
                        return Signal.heartbeat();
                    case TEXT:
                        if (wasFirst && since != null && f.text().startsWith("{\"reset\":true,")) {
                            Signal reset = Wire.control(f.text(), channel);
                            counted = StreamPosition.parse(reset.id());
                            return reset;
                        }
                        return Signal.publication(count(), null, f.text());
                    case BINARY:
                        return Signal.publication(count(), null, Base64.getEncoder().encodeToString(f.bytes()));
                    case CLOSE:
                        int at = f.text().indexOf(" since=");
                        closedWith = Signal.goodbye(f.code(), at < 0 ? f.text() : f.text().substring(0, at), null,
                                at < 0 ? null : f.text().substring(at + " since=".length()));
                        return closedWith;
                    default:
                        throw new AssertionError("WebSocket failed: " + f);
                }
            }

            private String count() {
                if (counted == null) {
                    return null;
                }
                counted = new StreamPosition(counted.epoch(), counted.offset() + 1);
                return counted.id();
            }

            @Override
            public void close() {
                ws.socket().abort();
            }
        };
    }

    @Override
    public String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        upgrade(socket, "/ws/" + channel);
        return "HTTP/1.1 101 Switching Protocols\r\n";
    }

    /** Sends an opening handshake for {@code path} (RFC 6455, section 1.2's sample key). */
    static void upgrade(Socket socket, String path) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
