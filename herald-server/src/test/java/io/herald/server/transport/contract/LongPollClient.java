package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Long polling, {@code GET /longpoll/{channel}?since=&timeout=}, over one raw keep-alive socket as
 * a browser's recursive long poll does it: as soon as an answer arrives the next request goes out
 * from the answer's {@code next}, so a request is always held while the subscription is open, and
 * closing it abandons that request. A {@code reset} answer is the reset; an answer that closes the
 * connection ({@code Connection: close}) with no message is the goodbye, its {@code next} the resume
 * position; an empty answer without it is a timeout, and the client just asks again.
 */
final class LongPollClient implements TransportClient {
    /** Seconds a request is held; below {@link #WAIT}, so a timeout answer comes before the client gives up. */
    private static final int HOLD_SECONDS = 5;

    @Override
    public String name() {
        return "long polling";
    }

    @Override
    public String cannot(Behaviour behaviour) {
        return switch (behaviour) {
            case HEARTBEAT -> "a held long poll carries no heartbeat: it is answered, empty, when it times out";
            case SLOW_CONSUMER_CUT -> "a long poll's answer is one bounded page, written whole; there is no stream to fall behind on";
            case DROP_GOODBYE -> "a held poll the server drops is answered with what it has, and the connection kept:"
                    + " the client just asks again";
            default -> null;
        };
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout((int) WAIT.toMillis());
        Poller poller = new Poller(socket, channel, since);
        poller.request();
        return poller;
    }

    private static final class Poller implements Subscription {
        private final Socket socket;
        private final InputStream in;
        private final String channel;
        private final Deque<Signal> pending = new ArrayDeque<>();
        private String position;
        private boolean closing;

        Poller(Socket socket, String channel, String since) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.channel = channel;
            this.position = since;
        }

        void request() throws IOException {
            String query = "?timeout=" + HOLD_SECONDS + (position == null ? "" : "&since=" + position);
            socket.getOutputStream().write(("GET /longpoll/" + channel + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        @Override
        public Signal next() throws IOException {
            while (pending.isEmpty()) {
                if (closing) {
                    assertThat(in.read()).as("end of the connection after Connection: close").isEqualTo(-1);
                    return Signal.end(null);
                }
                answer(RawResponse.read(in));
            }
            return pending.poll();
        }

        private void answer(RawResponse r) throws IOException {
            assertThat(r.status()).as("long poll status, body %s", r.body()).isEqualTo(200);
            JsonNode page = TestServer.json(r.body());
            JsonNode messages = page.get("messages");
            String next = page.get("next").asText();
            closing = r.hasHeader("connection", "close");
            if (page.get("reset").asBoolean()) {
                pending.add(Signal.reset(Wire.resetPosition(page)));
            }
            messages.forEach(m -> pending.add(Wire.envelope(m, channel)));
            if (!messages.isEmpty()) {
                assertThat(next).as("next after a page").isEqualTo(messages.get(messages.size() - 1).get("id").asText());
            }
            position = next;
            if (closing) {
                if (pending.isEmpty()) {
                    pending.add(Signal.goodbye(null, null, null, next));
                }
            } else {
                request();
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
