package io.herald.server.transport.contract;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.net.Socket;

/**
 * XHR streaming, {@code GET /stream/{channel}?since=}: a padding line of spaces first, then one JSON
 * line per envelope, reset notice or goodbye; an empty line is the heartbeat. Its servers use a
 * padding of {@value #PADDING} spaces, which the first line must be exactly.
 */
final class XhrStreamClient implements TransportClient {
    static final int PADDING = 7;

    @Override
    public String name() {
        return "XHR streaming";
    }

    @Override
    public void configure(ServerConfig.Builder config) {
        config.paddingBytes(PADDING);
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) throws IOException {
        return ReaderThreadSubscription.lines(server, "/stream/" + channel + (since == null ? "" : "?since=" + since),
                " ".repeat(server.server().config().paddingBytes()),
                line -> line.isEmpty() ? Signal.heartbeat() : Wire.control(line, channel));
    }

    @Override
    public String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        return TransportClient.get(socket, "/stream/" + channel);
    }
}
