package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;

/**
 * Server-Sent Events, {@code GET /sse/{channel}}, as a browser's {@code EventSource} uses it: resumes
 * with {@code Last-Event-ID}; the stream starts with {@code retry:}; a comment {@code :} is the
 * heartbeat; {@code event: herald-reset} the reset (its {@code id:} the current id, its data the
 * reset notice); {@code event: herald-disconnect} the goodbye.
 */
final class SseClient implements TransportClient {
    @Override
    public String name() {
        return "SSE";
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) throws IOException {
        HttpResponse<InputStream> r = since == null ? server.stream("/sse/" + channel)
                : server.stream("/sse/" + channel, "Last-Event-ID", since);
        assertThat(r.statusCode()).as("SSE status").isEqualTo(200);
        SseReader reader = new SseReader(r.body());
        long retry = server.server().config().sseRetry().toMillis();
        return new ReaderThreadSubscription("sse-" + channel, r.body(), emit -> {
            SseReader.Event first = reader.next();
            assertThat(first).as("the stream's first event").isNotNull();
            assertThat(first.retry()).as("the stream starts with retry:").isEqualTo(retry);
            for (SseReader.Event e; (e = reader.next()) != null; ) {
                emit.accept(signal(e, channel));
            }
        });
    }

    private static Signal signal(SseReader.Event e, String channel) {
        if (e.isComment()) {
            assertThat(e.comment()).as("a heartbeat comment").isEmpty();
            return Signal.heartbeat();
        }
        assertThat(e.data()).as("data of %s", e).isNotNull();
        switch (e.event()) {
            case "herald-reset" -> {
                Signal reset = Wire.control(e.data(), channel);
                assertThat(reset.kind()).as("herald-reset data %s", e.data()).isEqualTo(Signal.Kind.RESET);
                assertThat(e.id()).as("herald-reset's id: field").isEqualTo(reset.id());
                return reset;
            }
            case "herald-disconnect" -> {
                return Wire.goodbyeFields(e.data());
            }
            default -> {
                return Signal.publication(e.id(), e.event(), e.data());
            }
        }
    }

    @Override
    public String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        return TransportClient.get(socket, "/sse/" + channel);
    }
}
