package io.herald.server.conflation;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An XHR streaming subscriber ({@code GET /stream/{channel}}, docs/protocol.md "XHR streaming") on a
 * raw socket with a 4 KiB receive buffer, that reads only when the test says so: a slow client,
 * or (never read) a stalled one. The response is decoded by Netty's client codec; each line that
 * is a publication's envelope is returned as JSON. Not thread-safe.
 */
final class StreamSocket implements AutoCloseable {
    private final Socket socket = new Socket();
    private final EmbeddedChannel decoder = new EmbeddedChannel(new HttpClientCodec());
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final byte[] buffer = new byte[4096];
    private boolean ended;

    StreamSocket(TestServer server, String channel) throws IOException {
        socket.setReceiveBufferSize(4096); // before connecting: a small TCP window from the start
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        socket.getOutputStream().write(("GET /stream/" + channel + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        // the codec decodes responses to the requests it encoded
        decoder.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/stream/" + channel));
        for (Object out; (out = decoder.readOutbound()) != null; ) {
            ReferenceCountUtil.release(out);
        }
    }

    /**
     * Reads at most {@code maxBytes} (at least one read, waiting up to {@code waitMillis} for it)
     * and returns the envelopes completed by them, in order.
     *
     * @throws java.io.UncheckedIOException when the socket fails
     */
    List<JsonNode> read(int maxBytes, int waitMillis) {
        try {
            return readSome(maxBytes, waitMillis);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<JsonNode> readSome(int maxBytes, int waitMillis) throws IOException {
        List<JsonNode> envelopes = new ArrayList<>();
        socket.setSoTimeout(waitMillis);
        int total = 0;
        while (total < maxBytes && !ended) {
            int n;
            try {
                n = socket.getInputStream().read(buffer, 0, Math.min(buffer.length, maxBytes - total));
            } catch (SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                ended = true;
                break;
            }
            total += n;
            decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
            for (Object in; (in = decoder.readInbound()) != null; ) {
                try {
                    if (in instanceof HttpResponse r && r.status().code() != 200) {
                        throw new AssertionError("subscribe answered " + r.status());
                    }
                    if (in instanceof HttpContent c) {
                        lines(c.content(), envelopes);
                        if (c instanceof LastHttpContent) {
                            ended = true;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(in);
                }
            }
            socket.setSoTimeout(1);
        }
        return envelopes;
    }

    /** Whether the server ended the response or closed the connection. */
    boolean ended() {
        return ended;
    }

    private void lines(ByteBuf content, List<JsonNode> envelopes) {
        while (content.isReadable()) {
            byte b = content.readByte();
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8).trim();
            line.reset();
            if (text.startsWith("{")) {
                JsonNode json = TestServer.json(text);
                if (json.has("offset")) {
                    envelopes.add(json);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        decoder.finishAndReleaseAll();
    }
}
