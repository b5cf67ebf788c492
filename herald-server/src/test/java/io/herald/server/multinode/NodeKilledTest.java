package io.herald.server.multinode;

import static io.herald.server.multinode.Reading.assertFollows;
import static io.herald.server.multinode.Reading.historyIds;
import static io.herald.server.multinode.Reading.nextAfter;
import static io.herald.server.multinode.Reading.nextSignal;
import static io.herald.server.multinode.Reading.position;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.server.testing.HeraldProcess;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient;
import io.herald.server.transport.contract.TransportClient.Subscription;
import io.herald.server.transport.contract.TransportClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node dies under its clients while publishers publish through it and through another node:
 * every publication it acknowledged is in history, and its subscribers resume on the other node
 * from their last id, so that what each received is exactly the channel's history, with no loss and
 * no duplicate. Stopped in-process under clients of every transport, and killed with SIGKILL as a
 * process of its own.
 */
@Timeout(120)
class NodeKilledTest {
    /** Publications through each node at most: together under the default history size (1000). */
    private static final int EACH = 400;

    /** One subscriber of the test and everything it received. */
    private record Received(TransportClient client, List<String> ids) {
        String last() {
            return ids.get(ids.size() - 1);
        }
    }

    @Test
    void aNodeStoppedUnderItsClientsLosesNothingItAcknowledgedAndTheyResumeOnTheOther() throws Exception {
        try (RedisNodes redis = RedisNodes.start(); TestServer b = redis.node(cfg -> cfg.paddingBytes(16))) {
            TestServer a = redis.node(cfg -> cfg.paddingBytes(16));
            String start = position(b, "k");
            List<Received> received = new ArrayList<>();
            List<Subscription> subscriptions = new ArrayList<>();
            try (a; HttpPublisher viaA = HttpPublisher.start(a, "k", "a", EACH, 1_000_000);
                 HttpPublisher viaB = HttpPublisher.start(b, "k", "b", EACH, 1_000_000)) {
                for (TransportClient client : TransportClients.all()) {
                    received.add(new Received(client, new ArrayList<>(List.of(start))));
                    subscriptions.add(client.open(a, "k", start));
                }
                for (int i = 0; i < received.size(); i++) {
                    for (int n = 0; n < 20; n++) {
                        read(received.get(i), nextAfter(subscriptions.get(i), received.get(i).last()));
                    }
                }
                a.shutdownWithClientsConnected();
                for (int i = 0; i < received.size(); i++) {
                    Received r = received.get(i);
                    Subscription s = subscriptions.get(i);
                    // A stream's goodbye is read; a poller just asks the other node from its last id (a long
                    // poll sent as the node stopped may find its connection closed unanswered, as any
                    // keep-alive request can: RFC 9112, section 9.3.1).
                    if (r.client().cannot(TransportClient.Behaviour.DROP_GOODBYE) == null) {
                        // what was on its way, then the goodbye and the end
                        Signal next;
                        while ((next = nextSignal(s)).kind() == Kind.PUBLICATION) {
                            assertFollows(next, r.last());
                            read(r, next);
                        }
                        assertThat(next.kind()).as("%s: the goodbye, got %s", r.client().name(), next).isEqualTo(Kind.GOODBYE);
                        if (next.code() != null) {
                            assertThat(next.code()).isEqualTo(Disconnect.SHUTDOWN.code());
                        }
                        if (next.id() != null) {
                            assertThat(next.id()).as("%s: resume position", r.client().name()).isEqualTo(r.last());
                        }
                        assertThat(nextSignal(s).kind()).isEqualTo(Kind.END);
                    }
                    s.close();
                    subscriptions.set(i, r.client().open(b, "k", r.last()));
                }
                viaB.join();
                assertThat(viaA.unreachable()).as("the publisher through the stopped node").isNotNull();
                String top = position(b, "k");
                for (int i = 0; i < received.size(); i++) {
                    Received r = received.get(i);
                    while (!r.last().equals(top)) {
                        read(r, nextAfter(subscriptions.get(i), r.last()));
                    }
                }
                assertAcknowledgedKeptAndReceivedOnce(b, start, received, viaA, viaB);
            } finally {
                subscriptions.forEach(Subscription::close);
            }
        }
    }

    @Test
    void aNodeKilledWithSigkillLosesNothingItAcknowledgedAndItsSubscriberResumesOnTheOther() throws Exception {
        try (RedisNodes redis = RedisNodes.start(); TestServer b = redis.node(cfg -> { });
             HeraldProcess killed = redis.nodeProcess()) {
            String start = position(b, "k");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(killed.uri("/sse/k"))
                    .header("Last-Event-ID", start).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            Received r = new Received(TransportClients.sse(), new ArrayList<>(List.of(start)));
            try (SseReader sse = new SseReader(stream.body());
                 HttpPublisher viaKilled = HttpPublisher.start(killed.uri("/"), "k", "a", EACH, 1_000_000);
                 HttpPublisher viaB = HttpPublisher.start(b, "k", "b", EACH, 1_000_000)) {
                assertThat(sse.next().retry()).as("the stream's first event").isNotNull();
                while (r.ids().size() <= 50) {
                    readSse(r, sse.next());
                }
                killed.kill();
                // What reached the socket before the kill, then the end (or a reset connection).
                try {
                    for (SseReader.Event e; (e = sse.next()) != null; ) {
                        readSse(r, e);
                    }
                } catch (IOException reset) {
                    // the kernel reset the connection of the killed process
                }
                viaB.join();
                viaKilled.join();
                assertThat(viaKilled.unreachable()).as("the publisher through the killed node").isNotNull();
                String top = position(b, "k");
                try (Subscription s = r.client().open(b, "k", r.last())) {
                    while (!r.last().equals(top)) {
                        read(r, nextAfter(s, r.last()));
                    }
                }
                assertAcknowledgedKeptAndReceivedOnce(b, start, List.of(r), viaKilled, viaB);
            }
        }
    }

    private static void read(Received r, Signal publication) {
        r.ids().add(publication.id());
    }

    private static void readSse(Received r, SseReader.Event e) {
        if (e.isComment()) {
            return; // a heartbeat
        }
        assertThat(e.event()).as("an SSE publication, got %s", e).isEqualTo("message");
        Signal p = Signal.publication(e.id(), e.event(), e.data());
        assertFollows(p, r.last());
        read(r, p);
    }

    /**
     * History holds every publication either node acknowledged, and each subscriber received exactly
     * the history after {@code start}, in order.
     */
    private static void assertAcknowledgedKeptAndReceivedOnce(TestServer survivor, String start, List<Received> received,
                                                              HttpPublisher... publishers) {
        List<String> history = historyIds(survivor, "k", start);
        for (HttpPublisher p : publishers) {
            assertThat(p.acknowledged()).as("acknowledged publications").isNotEmpty();
            assertThat(history).as("history holds every acknowledged publication").containsAll(p.acknowledged());
        }
        for (Received r : received) {
            assertThat(r.ids().subList(1, r.ids().size())).as("what %s received", r.client().name())
                    .containsExactlyElementsOf(history);
        }
    }
}
