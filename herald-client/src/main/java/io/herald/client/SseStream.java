package io.herald.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One subscription's Server-Sent Events stream (docs/protocol.md, "Server-Sent Events"):
 * {@code GET /sse/{channel}?format=envelope} with {@code Last-Event-ID} = the subscription's last id
 * and the token as {@code Authorization: Bearer}. Publications go to the subscription's inbox;
 * {@code herald-reset} is the reset signal; {@code herald-disconnect} is the goodbye whose
 * {@code reconnect} decides what follows the stream's end; a refusal before the stream (4xx) ends
 * the subscription, a 5xx or a lost connection reconnects with the client's backoff.
 *
 * <p>Backpressure: the body is read one buffer list at a time ({@code request(1)}); events are taken
 * from it only while the inbox has room, and the next buffers are asked for only once the held ones
 * are used up.
 *
 * <p>Thread-safe: java.net.http calls the subscriber methods one at a time; the parsing state is
 * guarded by this object's monitor, which is never held across I/O or a listener call.
 */
final class SseStream implements HttpResponse.BodySubscriber<Void> {
    private static final int MAX_LINE_BYTES = 1 << 20;

    private final HeraldClient client;
    private final ChannelSubscription sub;
    private final SseParser parser = new SseParser(MAX_LINE_BYTES);
    private final ArrayDeque<ByteBuffer> held = new ArrayDeque<>();
    private Flow.Subscription upstream;
    private boolean requested;
    private boolean ended;
    private boolean finished;
    private boolean pumping;
    private boolean full;
    private volatile boolean closed;
    private volatile long lastByte = System.nanoTime();
    private Throwable failure;
    private int goodbyeCode;
    private String goodbyeReason;
    private boolean goodbyeReconnect = true;

    SseStream(HeraldClient client, ChannelSubscription sub) {
        this.client = client;
        this.sub = sub;
    }

    /** Sends the request. */
    void open() {
        HttpRequest.Builder r = HttpRequest.newBuilder(client.uri("/sse/" + HeraldClient.pathSegment(sub.channel()) + "?format=envelope"))
                .header("Accept", "text/event-stream").GET();
        String last = sub.lastId();
        if (last != null) {
            r.header("Last-Event-ID", last);
        }
        String token = client.token();
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        client.http().sendAsync(r.build(), info -> {
            if (info.statusCode() == 200) {
                sub.sseAttempts = 0;
                sub.state(ConnectionState.CONNECTED);
                return this;
            }
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), body -> {
                refused(info.statusCode(), body);
                return null;
            });
        }).whenComplete((response, error) -> {
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                lost(new HeraldClientException("connection_failed", "the SSE request failed: " + cause, 0, cause));
            }
        });
    }

    /** Ends the stream (the subscription was closed or moved). */
    void close() {
        closed = true;
        Flow.Subscription s;
        synchronized (this) {
            s = upstream;
            held.clear();
        }
        if (s != null) {
            s.cancel();
        }
    }

    void checkIdle(long limitNanos) {
        boolean idle;
        synchronized (this) {
            idle = upstream != null && !full && !ended && System.nanoTime() - lastByte > limitNanos;
        }
        if (idle && !closed) {
            close();
            lost(new HeraldClientException("connection_failed", "no byte for " + client.idleTimeout().toMillis() + " ms", 0, null));
        }
    }

    @Override
    public CompletionStage<Void> getBody() {
        return CompletableFuture.completedFuture(null); // the response completes with its head; the body streams on
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        synchronized (this) {
            upstream = subscription;
            requested = true;
        }
        if (closed) {
            subscription.cancel();
            return;
        }
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        lastByte = System.nanoTime();
        synchronized (this) {
            requested = false;
            for (ByteBuffer b : buffers) {
                if (b.hasRemaining()) {
                    held.add(b);
                }
            }
        }
        pump();
    }

    @Override
    public void onError(Throwable throwable) {
        synchronized (this) {
            ended = true;
            failure = throwable;
        }
        pump();
    }

    @Override
    public void onComplete() {
        synchronized (this) {
            ended = true;
        }
        pump();
    }

    /**
     * Takes events from the held buffers while the inbox has room; asks for more when they are used
     * up; acts on the stream's end once everything before it was taken. Each turn decides from the
     * state under the monitor, so a call made while another pumps (a {@code request} answered on the
     * same thread, a resume from the delivery thread) only has to leave its buffers there.
     */
    private void pump() {
        synchronized (this) {
            if (pumping) {
                return;
            }
            pumping = true;
        }
        for (;;) {
            SseParser.Event event = null;
            Flow.Subscription ask = null;
            HeraldClientException bad = null;
            Throwable end = null;
            boolean finish = false;
            synchronized (this) {
                ByteBuffer b = held.peek();
                if (closed || full) {
                    pumping = false;
                    return;
                } else if (b != null) {
                    try {
                        event = parser.next(b);
                        if (!b.hasRemaining()) {
                            held.poll();
                        }
                    } catch (HeraldClientException e) {
                        bad = e;
                        held.clear();
                        ask = upstream;
                        finished = true;
                    }
                } else if (ended && !finished) {
                    finished = true;
                    finish = true;
                    end = failure;
                } else if (!ended && !requested && upstream != null) {
                    requested = true;
                    ask = upstream;
                } else {
                    pumping = false;
                    return;
                }
            }
            if (bad != null) {
                synchronized (this) {
                    pumping = false;
                }
                if (ask != null) {
                    ask.cancel();
                }
                lost(bad);
                return;
            }
            if (ask != null) {
                ask.request(1);
            }
            if (event != null) {
                handle(event);
            }
            if (finish) {
                synchronized (this) {
                    pumping = false;
                }
                finished(end);
                return;
            }
        }
    }

    private void handle(SseParser.Event event) {
        JsonNode data;
        try {
            data = HeraldClient.JSON.readTree(event.data());
        } catch (IOException e) {
            return; // not one of Herald's events (docs/protocol.md: all are JSON with format=envelope)
        }
        switch (event.type()) {
            case "message": {
                Envelope envelope;
                try {
                    envelope = Envelope.of(data);
                } catch (HeraldClientException e) {
                    return;
                }
                boolean room = sub.deliver(envelope, () -> {
                    synchronized (this) {
                        full = false;
                    }
                    lastByte = System.nanoTime();
                    pump();
                });
                if (!room) {
                    synchronized (this) {
                        full = true;
                    }
                }
                break;
            }
            case "herald-reset":
                sub.reset(data.path("id").asText());
                break;
            case "herald-disconnect":
                goodbyeCode = data.path("code").asInt();
                goodbyeReason = data.path("reason").asText();
                goodbyeReconnect = data.path("reconnect").asBoolean(true);
                break;
            default:
                break; // herald-heartbeat and types of later versions
        }
    }

    /** The stream ended after everything in it was taken. */
    private void finished(Throwable error) {
        if (closed && error == null) {
            return;
        }
        if (goodbyeCode != 0 && !goodbyeReconnect) {
            sub.fail(Disconnects.ended(goodbyeCode, goodbyeReason));
            return;
        }
        lost(error == null ? null : error instanceof HeraldClientException e ? e
                : new HeraldClientException("connection_failed", "the SSE stream failed: " + error, 0, error));
    }

    /** A refusal before the stream: a 4xx ends the subscription (but 408, 429), a 5xx reconnects. */
    private void refused(int status, String body) {
        HeraldClientException e = HeraldClient.errorOf(status, body);
        if (status >= 500 || status == 408 || status == 429 || e.retryable()) {
            lost(e);
        } else {
            sub.fail(e);
        }
    }

    /** Reconnect after the backoff's delay (unless the subscription was closed). */
    private void lost(HeraldClientException error) {
        if (sub.closed() || sub.sse != this) {
            return;
        }
        if (error != null) {
            sub.error(error);
        }
        sub.state(ConnectionState.DISCONNECTED);
        client.startSse(sub, client.backoff().delayNanos(sub.sseAttempts++));
    }
}
