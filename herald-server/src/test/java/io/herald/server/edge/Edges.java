package io.herald.server.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.RawResponse;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Helpers of the edge tests: raw-socket requests from a chosen loopback address, and a legitimate SSE witness. */
final class Edges {
    private Edges() {
    }

    /** A socket to the test server from {@code from} (a 127.0.0.x address, to play another client), 10 s read timeout. */
    static Socket socket(TestServer t, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", t.port()), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Sends {@code request} (CRLF line ends added after each {@code \n}) on a new socket from 127.0.0.1 and reads the response. */
    static RawResponse exchange(TestServer t, String request) throws IOException {
        try (Socket s = socket(t, "127.0.0.1")) {
            send(s, request);
            return RawResponse.read(s.getInputStream());
        }
    }

    static void send(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /**
     * Reads to the end of the stream and asserts that nothing more came: the server closed without
     * sending more. A reset counts as a close (the server closes with bytes of ours still unread).
     */
    static void assertClosedWithNothingMore(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                rest.write(b);
            }
        } catch (SocketException reset) {
            // closed with our bytes unread
        }
        assertThat(rest.toString(StandardCharsets.ISO_8859_1)).as("bytes after the answer").isEmpty();
    }

    /** A WebSocket opening handshake for {@code path} with {@code extra} header lines. */
    static String upgrade(String path, String extra) {
        return "GET " + path + " HTTP/1.1\nHost: 127.0.0.1\nUpgrade: websocket\nConnection: Upgrade\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n" + extra + "\n";
    }

    /**
     * A legitimate SSE subscriber of a channel from its current position; {@link #assertOffsets}
     * checks it got exactly offsets 1..n (the channel must be new).
     */
    static final class Witness implements AutoCloseable {
        private final HttpResponse<InputStream> response;
        private final SseReader reader;

        Witness(TestServer t, String channel) {
            int before = t.server().node().subscriptionCount();
            response = t.stream("/sse/" + channel);
            assertThat(response.statusCode()).isEqualTo(200);
            reader = new SseReader(response.body());
            TestServer.await("the witness subscribed", Duration.ofSeconds(5),
                    () -> t.server().node().subscriptionCount() > before);
        }

        void assertOffsets(int n) {
            try {
                for (int i = 1; i <= n; i++) {
                    SseReader.Event e = reader.nextEvent();
                    assertThat(e).as("event %d", i).isNotNull();
                    assertThat(Long.parseLong(e.id().substring(e.id().lastIndexOf('-') + 1))).as("offset").isEqualTo(i);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
