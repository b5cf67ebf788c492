package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Short polling, {@code GET /poll/{channel}?since=}, with java.net.http: each poll answers at once
 * with what follows the position; the client asks again from {@code next}, every
 * {@value #INTERVAL_MS} ms while there is nothing new (its polling interval). A {@code reset}
 * answer is the reset. It holds no connection, so there is nothing to drop, stall or say goodbye on.
 */
final class ShortPollClient implements TransportClient {
    private static final long INTERVAL_MS = 10;

    @Override
    public String name() {
        return "short polling";
    }

    @Override
    public String cannot(Behaviour behaviour) {
        return switch (behaviour) {
            case LIVE_ONLY -> "a poll without a position answers the latest publications: there is no live-only subscription";
            case HEARTBEAT -> "a poll is answered at once: there is no idle stream to keep alive";
            case SLOW_CONSUMER_CUT -> "a poll's answer is one bounded page, written whole; there is no stream to fall behind on";
            case SHUTDOWN_GOODBYE, DROP_GOODBYE -> "no request is held between polls, so there is no connection to say goodbye on";
        };
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) {
        assertThat(since).as("short polling needs a position").isNotNull();
        return new Subscription() {
            private final Deque<Signal> pending = new ArrayDeque<>();
            private String position = since;

            @Override
            public Signal next() throws InterruptedException {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (pending.isEmpty()) {
                    HttpResponse<String> r = server.get("/poll/" + channel + "?since=" + position);
                    assertThat(r.statusCode()).as("poll status, body %s", r.body()).isEqualTo(200);
                    JsonNode page = TestServer.json(r.body());
                    if (page.get("reset").asBoolean()) {
                        pending.add(Signal.reset(Wire.resetPosition(page)));
                    }
                    page.get("messages").forEach(m -> pending.add(Wire.envelope(m, channel)));
                    position = page.get("next").asText();
                    if (pending.isEmpty()) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("nothing new after " + position + " within " + WAIT);
                        }
                        Thread.sleep(INTERVAL_MS);
                    }
                }
                return pending.poll();
            }

            @Override
            public void close() {
                pending.clear();
            }
        };
    }
}
