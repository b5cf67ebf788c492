package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.net.Socket;

/**
 * The forever iframe, {@code GET /iframe/{channel}?since=}, with the default callback: the prelude
 * line (document head and a padding comment of {@value #PADDING} spaces, the padding its servers
 * use), then one {@code <script>parent.herald(JSON)</script>} line per envelope or reset notice;
 * {@code <!-- -->} is the heartbeat; the goodbye's script call ends the document.
 */
final class IframeClient implements TransportClient {
    static final int PADDING = 3;
    private static final String HEAD = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head><body>";
    private static final String CALL = "<script>parent.herald(";
    private static final String END = ")</script>";
    private static final String DOCUMENT_END = "</body></html>";

    @Override
    public String name() {
        return "forever iframe";
    }

    @Override
    public void configure(ServerConfig.Builder config) {
        config.paddingBytes(PADDING);
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) throws IOException {
        return ReaderThreadSubscription.lines(server, "/iframe/" + channel + (since == null ? "" : "?since=" + since),
                HEAD + "<!--" + " ".repeat(server.server().config().paddingBytes()) + "-->", line -> signal(line, channel));
    }

    private static Signal signal(String line, String channel) {
        if (line.equals("<!-- -->")) {
            return Signal.heartbeat();
        }
        boolean last = line.endsWith(END + DOCUMENT_END);
        String call = last ? line.substring(0, line.length() - DOCUMENT_END.length()) : line;
        assertThat(call).as("a script line").startsWith(CALL).endsWith(END);
        Signal signal = Wire.control(call.substring(CALL.length(), call.length() - END.length()), channel);
        assertThat(last).as("the document ends with the goodbye, and only there: %s", line)
                .isEqualTo(signal.kind() == Signal.Kind.GOODBYE);
        return signal;
    }

    @Override
    public String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        return TransportClient.get(socket, "/iframe/" + channel);
    }
}
