package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.broker.MemoryBroker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The outbound queue's conflation (docs/protocol.md, "Conflation"), on a node with a stalled transport. */
@Timeout(30)
class ConflationTest {
    /** Room for about ten queued publications of a few bytes (97 + payload bytes each, as queued). */
    private static final long QUEUE = 1_100;
    private final Node node = new Node(NodeConfig.builder().maxPayloadBytes(16).queueMaxBytes(QUEUE)
            .namespace("tick", NamespaceOptions.builder().conflation(true).build()).build(), new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
    }

    private RecordingTransport stalled(String channel, boolean showsConflation) {
        RecordingTransport t = new RecordingTransport();
        t.showsConflation = showsConflation;
        t.writable = false;
        t.session = node.newSession(t);
        node.subscribe(t.session, channel, null).join();
        return t;
    }

    private void resume(RecordingTransport t) {
        t.writable = true;
        t.executor.execute(t.session::onWritable);
    }

    private List<Publication> publications(RecordingTransport t) {
        return t.written.stream().filter(p -> p instanceof Publication).map(p -> (Publication) p).toList();
    }

    @Test
    void pastHalfTheBoundTheQueuedPublicationOfTheSameKeyIsReplacedAndTheNewOneSaysHowMany() {
        RecordingTransport t = stalled("tick:q", true);
        String[] keys = {"A", "B", "C"};
        int published = 300;
        for (int i = 0; i < published; i++) {
            node.publish("tick:q", null, Payload.text("" + i % 10), null, keys[i % 3]).join();
            assertThat(t.session.queuedBytes()).isLessThanOrEqualTo(QUEUE);
        }
        assertThat(t.closedWith).isNull();
        resume(t);
        Await.until(() -> node.backlog() == 0);
        List<Publication> got = publications(t);
        assertThat(got).extracting(Publication::offset).isSorted().doesNotHaveDuplicates();
        Map<String, Integer> perKey = new HashMap<>();
        for (Publication p : got) {
            perKey.merge(p.key(), 1 + p.conflated(), Integer::sum);
        }
        assertThat(perKey).containsOnly(Map.entry("A", 100), Map.entry("B", 100), Map.entry("C", 100));
        assertThat(got).anySatisfy(p -> assertThat(p.conflated()).isGreaterThan(1));
        // each key's last publication arrives: the latest value
        assertThat(got.get(got.size() - 1).offset()).isEqualTo(published);
        assertThat(got).filteredOn(p -> p.key().equals("A")).last().extracting(Publication::offset).isEqualTo(298L);
        assertThat(node.backlogBytes()).isZero();
    }

    @Test
    void publicationsWithoutAKeyAreNeverConflatedAndTheQueueStaysBounded() {
        RecordingTransport t = stalled("tick:q", true);
        for (int i = 0; i < 50 && t.closedWith == null; i++) {
            node.publish("tick:q", null, Payload.text("x"), null, i % 2 == 0 ? "A" : null).join();
        }
        // the unkeyed half fills the queue all the same: the session is cut as slow, as without conflation
        Await.until(() -> t.closedWith != null);
        assertThat(t.closedWith).isEqualTo(Disconnect.SLOW);
        Await.until(() -> node.backlog() == 0);
        assertThat(node.backlogBytes()).isZero();
    }

    @Test
    void aNamespaceWithoutConflationOrATransportThatCannotShowItDisconnectsTheSlowSession() {
        RecordingTransport plain = stalled("other:q", true);
        RecordingTransport payloadOnly = stalled("tick:q", false);
        for (int i = 0; i < 50; i++) {
            node.publish("other:q", null, Payload.text("x"), null, "A").join();
            node.publish("tick:q", null, Payload.text("x"), null, "A").join();
        }
        Await.until(() -> plain.closedWith != null && payloadOnly.closedWith != null);
        assertThat(plain.closedWith).isEqualTo(Disconnect.SLOW);
        assertThat(payloadOnly.closedWith).isEqualTo(Disconnect.SLOW);
        assertThat(publications(plain)).allSatisfy(p -> assertThat(p.conflated()).isZero());
    }

    @Test
    void aSessionThatKeepsUpIsNeverConflated() {
        RecordingTransport t = stalled("tick:q", true);
        resume(t);
        for (int i = 1; i <= 50; i++) {
            node.publish("tick:q", null, Payload.text("x"), null, "A").join();
            int n = i;
            Await.until(() -> publications(t).size() == n);
        }
        assertThat(publications(t)).allSatisfy(p -> assertThat(p.conflated()).isZero());
        t.session.disconnect(Disconnect.SLOW);
    }
}
