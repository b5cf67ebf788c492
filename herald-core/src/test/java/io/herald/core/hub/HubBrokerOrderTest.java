package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.broker.FaultyBroker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hub asks the broker to subscribe and unsubscribe a channel in the order its subscribers came
 * and went, even when the thread of a leaving last subscriber is slow to make its call (a broker
 * shared by nodes, like Redis, applies them in the order it receives them).
 */
@Timeout(30)
class HubBrokerOrderTest {
    @Test
    void aSubscribeAfterTheLastSubscriberLeftReachesTheBrokerAfterItsUnsubscribe() throws Exception {
        FaultyBroker broker = new FaultyBroker();
        Node node = new Node(NodeConfig.builder().build(), broker);
        try {
            RecordingTransport leaving = new RecordingTransport();
            leaving.session = node.newSession(leaving);
            node.subscribe(leaving.session, "c", null).get(5, TimeUnit.SECONDS);

            Runnable release = broker.stallUnsubscribeCalls();
            Thread leave = new Thread(() -> node.unsubscribe(leaving.session, "c"));
            leave.start();
            assertThat(broker.awaitStalledUnsubscribe()).as("the leaving thread in its unsubscribe call").isTrue();

            RecordingTransport coming = new RecordingTransport();
            coming.session = node.newSession(coming);
            CompletableFuture<Subscribed> subscribed = node.subscribe(coming.session, "c", null);
            release.run();
            leave.join();
            subscribed.get(5, TimeUnit.SECONDS);

            assertThat(broker.calls).containsExactly("subscribe c", "unsubscribe c", "subscribe c");
            node.publish("c", null, Payload.text("heard")).get(5, TimeUnit.SECONDS);
            Await.until(() -> coming.offsets().size() == 1);
        } finally {
            node.close();
        }
    }

    @Test
    void aSubscriberThatComesAndGoesWhileTheUnsubscribeIsStalledLeavesTheBrokerUnsubscribed() throws Exception {
        FaultyBroker broker = new FaultyBroker();
        Node node = new Node(NodeConfig.builder().build(), broker);
        try {
            RecordingTransport first = new RecordingTransport();
            first.session = node.newSession(first);
            node.subscribe(first.session, "c", null).get(5, TimeUnit.SECONDS);

            Runnable release = broker.stallUnsubscribeCalls();
            Thread leave = new Thread(() -> node.unsubscribe(first.session, "c"));
            leave.start();
            assertThat(broker.awaitStalledUnsubscribe()).isTrue();
            RecordingTransport brief = new RecordingTransport();
            brief.session = node.newSession(brief);
            CompletableFuture<?> subscribed = node.subscribe(brief.session, "c", null);
            node.unsubscribe(brief.session, "c");
            release.run();
            leave.join();
            subscribed.handle((v, e) -> null).get(5, TimeUnit.SECONDS);

            Await.until(() -> broker.calls.size() == 4);
            assertThat(broker.calls).containsExactly("subscribe c", "unsubscribe c", "subscribe c", "unsubscribe c");
        } finally {
            node.close();
        }
    }
}
