package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.broker.MemoryBroker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node's counts by transport, kept as sessions, subscriptions and drains come and go. */
@Timeout(30)
class TransportStatsTest {
    private final Node node = new Node(NodeConfig.builder().build(), new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void sessionsSubscriptionsAndDeliveredPublicationsAreCountedByTransport() {
        List<String> announced = new ArrayList<>();
        node.transportStats().onNew(c -> announced.add(c.transport()));
        RecordingTransport a = new RecordingTransport();
        a.session = node.newSession(a);
        RecordingTransport b = new RecordingTransport();
        b.session = node.newSession(b);
        TransportStats.Counts counts = node.transportStats().of("recording");
        assertThat(announced).containsExactly("recording");
        assertThat(counts.sessions()).isEqualTo(2);

        node.subscribe(a.session, "x", null).join();
        node.subscribe(a.session, "y", null).join();
        node.subscribe(b.session, "x", null).join();
        assertThat(counts.subscriptions()).isEqualTo(3);
        for (int i = 0; i < 5; i++) {
            node.publish("x", null, Payload.text("m" + i)).join();
        }
        // 5 publications to two subscribers; the three subscribe notices are not deliveries
        Await.until(() -> a.offsets().size() == 5 && b.offsets().size() == 5);
        Await.until(() -> counts.deliveries() == 10);

        node.unsubscribe(a.session, "y");
        assertThat(counts.subscriptions()).isEqualTo(2);
        a.session.disconnect(Disconnect.FORCE_RECONNECT);
        a.session.onClosed();
        assertThat(counts.sessions()).isEqualTo(1);
        assertThat(counts.subscriptions()).isEqualTo(1);
        b.session.onClosed();
        assertThat(counts.sessions()).isZero();
        assertThat(counts.subscriptions()).isZero();
        assertThat(counts.deliveries()).isEqualTo(10);
        assertThat(announced).as("each transport announced once").containsExactly("recording");
    }
}
