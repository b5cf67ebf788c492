package io.herald.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A recording WebSocket client over {@code java.net.http.WebSocket} for tests: every whole message,
 * ping and close the server sends is queued in arrival order and taken with the {@code next*}
 * methods, which fail after a timeout rather than hang. Not thread-safe apart from the listener.
 */
public final class WsClient implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One thing the server sent: a text or binary message, a ping, or the close (code and reason). */
    public record Frame(Kind kind, String text, byte[] bytes, int code) {
        public enum Kind { TEXT, BINARY, PING, CLOSE, ERROR }

        /** The text as JSON. */
        public JsonNode json() {
            assertThat(kind).as("frame kind of %s", this).isEqualTo(Kind.TEXT);
            return TestServer.json(text);
        }

        @Override
        public String toString() {
            return kind + (kind == Kind.CLOSE ? " " + code : "") + (text == null ? "" : " " + text)
                    + (bytes == null ? "" : " " + bytes.length + " bytes");
        }
    }

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final WebSocket socket;

    private WsClient(HttpClient http, URI uri, String... subprotocols) {
        this(http, uri, java.util.Map.of(), subprotocols);
    }

    private WsClient(HttpClient http, URI uri, java.util.Map<String, String> headers, String... subprotocols) {
        try {
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
            headers.forEach(builder::header);
            if (subprotocols.length > 0) {
                builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
            }
            this.socket = builder.buildAsync(uri, new Recorder()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("WebSocket to " + uri + " failed", e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Opens a WebSocket to {@code path} on the test server offering {@code subprotocols} ({@code Sec-WebSocket-Protocol}, in order). */
    public static WsClient connect(TestServer server, String path, String... subprotocols) {
        return new WsClient(server.http(), server.wsUri(path), subprotocols);
    }

    /** Opens a WebSocket to {@code path} on the test server whose upgrade request carries {@code headers} (e.g. a Cookie). */
    public static WsClient connectWithHeaders(TestServer server, String path, java.util.Map<String, String> headers) {
        return new WsClient(server.http(), server.wsUri(path), headers);
    }

    /** Opens a WebSocket to {@code uri} (a server in another process, e.g. {@code HeraldProcess}). */
    public static WsClient connect(URI uri, String... subprotocols) {
        return new WsClient(HttpClient.newHttpClient(), uri, subprotocols);
    }

    /**
     * Tries to open a WebSocket that the server should refuse and returns the HTTP status of the
     * refusal; fails if the upgrade succeeds.
     */
    public static int refusedStatus(TestServer server, String path, String... subprotocols) {
        try {
            WsClient opened = new WsClient(server.http(), server.wsUri(path), subprotocols);
            opened.close();
            throw new AssertionError("the upgrade to " + path + " was accepted");
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** The next frame of any kind. */
    public Frame next() {
        try {
            Frame f = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new AssertionError("no frame from the server within " + TIMEOUT);
            }
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame that is not a ping. */
    public Frame nextMessage() {
        Frame f;
        do {
            f = next();
        } while (f.kind() == Frame.Kind.PING);
        return f;
    }

    /** The next message, asserted to be text; returns it. */
    public String nextText() {
        Frame f = nextMessage();
        assertThat(f.kind()).as("kind of %s", f).isEqualTo(Frame.Kind.TEXT);
        return f.text();
    }

    /** The next message, asserted to be text, as JSON. */
    public JsonNode nextJson() {
        return TestServer.json(nextText());
    }

    /** The next message, asserted to be binary. */
    public byte[] nextBinary() {
        Frame f = nextMessage();
        assertThat(f.kind()).as("kind of %s", f).isEqualTo(Frame.Kind.BINARY);
        return f.bytes();
    }

    /** Skips pings and asserts the next frame is the server's close; returns it. */
    public Frame nextClose() {
        Frame f = nextMessage();
        assertThat(f.kind()).as("kind of %s", f).isEqualTo(Frame.Kind.CLOSE);
        return f;
    }

    /** Asserts that nothing but pings arrived that was not taken. */
    public void assertExhausted() {
        assertThat(frames).allMatch(f -> f.kind() == Frame.Kind.PING, "only pings left");
    }

    /** Sends a text message and waits until it is handed to the socket. */
    public WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Sends a binary message. */
    public WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The underlying socket. */
    public WebSocket socket() {
        return socket;
    }

    /** Closes normally (1000) and drops the connection without waiting for the server's reply. */
    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        socket.abort();
    }

    private final class Recorder implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                frames.add(new Frame(Frame.Kind.TEXT, text.toString(), null, 0));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                frames.add(new Frame(Frame.Kind.BINARY, null, binary.toByteArray(), 0));
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            frames.add(new Frame(Frame.Kind.PING, null, null, 0));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            frames.add(new Frame(Frame.Kind.CLOSE, reason, null, statusCode));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            frames.add(new Frame(Frame.Kind.ERROR, String.valueOf(error), null, 0));
        }
    }
}
