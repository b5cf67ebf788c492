package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.Disconnect;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.FaultyBroker;
import io.herald.core.broker.MemoryBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HubTest {
    // no reset spread: the lost-stream test checks what the disconnect is, ResetSpreadTest when
    private final Node node = new Node(NodeConfig.builder().queueMaxBytes(64 * 1024 + 1024)
            .resetSpread(java.time.Duration.ZERO).build(), new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
    }

    private RecordingTransport session() {
        RecordingTransport t = new RecordingTransport();
        t.session = node.newSession(t);
        return t;
    }


    @RepeatedTest(20)
    void subscribeFromPositionWhilePublishingLosesNothingAndDuplicatesNothing() throws Exception {
        for (int i = 0; i < 50; i++) {
            node.publish("race", null, Payload.text("m")).join();
        }
        StreamPosition since = node.history("race", null, 1).join().next();
        StreamPosition from = new StreamPosition(since.epoch(), 20);
        AtomicBoolean go = new AtomicBoolean(true);
        Thread publisher = new Thread(() -> {
            for (int i = 0; i < 500 && go.get(); i++) {
                node.publish("race", null, Payload.text("m")).join();
            }
        });
        publisher.start();
        RecordingTransport t = session();
        node.subscribe(t.session, "race", from).join();
        publisher.join();
        long top = node.history("race", null, 0).join().next().offset();
        Await.until(() -> t.offsets().size() == top - 20);
        assertThat(t.written.get(0)).isInstanceOf(Subscribed.class);
        assertThat(t.notice().reset()).isFalse();
        assertThat(t.offsets()).containsExactlyElementsOf(LongStream.rangeClosed(21, top).boxed().toList());
    }

    @Test
    void positionOlderThanHistoryIsAnnouncedAsReset() {
        Node small = new Node(NodeConfig.builder().defaultNamespace(
                io.herald.core.NamespaceOptions.builder().historySize(5).build()).build(), new MemoryBroker());
        try {
            Publication last = null;
            for (int i = 0; i < 20; i++) {
                last = small.publish("old", null, Payload.text("m")).join();
            }
            RecordingTransport t = new RecordingTransport();
            t.session = small.newSession(t);
            Subscribed notice = small.subscribe(t.session, "old", new StreamPosition(last.epoch(), 2)).join();
            assertThat(notice.reset()).isTrue();
            assertThat(notice.position()).isEqualTo(last.position());
            small.publish("old", null, Payload.text("live")).join();
            Await.until(() -> t.offsets().size() == 1);
            assertThat(t.offsets()).containsExactly(21L);
        } finally {
            small.close();
        }
    }

    @Test
    void slowSessionIsDisconnectedAndOthersKeepTheirRate() {
        RecordingTransport slow = session();
        RecordingTransport fast = session();
        slow.writable = false;
        node.subscribe(slow.session, "feed", null).join();
        node.subscribe(fast.session, "feed", null).join();
        byte[] kb = new byte[1024];
        for (int i = 0; i < 200; i++) {
            node.publish("feed", null, Payload.binary(kb)).join();
            int received = i + 1;
            Await.until(() -> fast.offsets().size() == received); // a reader that keeps up with the rate
        }
        Await.until(() -> slow.session.isClosed());
        assertThat(slow.closedWith).isEqualTo(Disconnect.SLOW);
        // isClosed() turns true as Session.onClosed starts; the queue is dropped a few steps later
        // in the same call (after the subscriptions leave the hub), so wait for it, bounded by Await.
        Await.until(() -> slow.session.queuedBytes() == 0);
        Await.until(() -> fast.offsets().size() == 200);
        assertThat(fast.session.isClosed()).isFalse();
        Await.until(() -> node.hub().subscriberCount("feed") == 1);
    }

    @Test
    void aLostStreamDisconnectsItsChannelsSubscribersSoTheyResumeAndGetAReset() {
        RecordingTransport a = session();
        RecordingTransport b = session();
        RecordingTransport other = session();
        node.subscribe(a.session, "lost", null).join();
        node.subscribe(b.session, "lost", null).join();
        node.subscribe(other.session, "kept", null).join();
        node.publish("lost", null, Payload.text("before")).join();
        Await.until(() -> a.offsets().size() == 1 && b.offsets().size() == 1);

        node.hub().onStreamLost("lost"); // as a broker that found the stream flushed on an idle channel

        Await.until(() -> a.session.isClosed() && b.session.isClosed());
        assertThat(a.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
        assertThat(b.closedWith).isEqualTo(Disconnect.INSUFFICIENT_STATE);
        Await.until(() -> node.hub().subscriberCount("lost") == 0);
        node.publish("kept", null, Payload.text("still")).join();
        Await.until(() -> other.offsets().size() == 1);
        assertThat(other.session.isClosed()).isFalse();
        node.hub().onStreamLost("nobody"); // a channel with no subscribers here: nothing to do
    }

    @Test
    void resumingFromFurtherBackThanTheQueueBoundIsNotCut() {
        Node tight = new Node(NodeConfig.builder().maxPayloadBytes(1024).queueMaxBytes(4096).build(), new MemoryBroker());
        try {
            byte[] kb = new byte[1024];
            Publication first = null;
            for (int i = 0; i < 100; i++) { // 100 KiB of history, 25 times the queue bound
                Publication p = tight.publish("deep", null, Payload.binary(kb)).join();
                first = first == null ? p : first;
            }
            RecordingTransport t = new RecordingTransport();
            t.session = tight.newSession(t);
            Subscribed notice = tight.subscribe(t.session, "deep", new StreamPosition(first.epoch(), 0)).join();
            assertThat(notice.reset()).isFalse();
            assertThat(notice.recovered()).isEqualTo(100);
            Await.until(() -> t.offsets().size() == 100);
            assertThat(t.session.isClosed()).isFalse();
            assertThat(t.written).allMatch(p -> p instanceof Publication || p instanceof Subscribed);
            // Live publications still count against the bound.
            t.writable = false;
            for (int i = 0; i < 10; i++) {
                tight.publish("deep", null, Payload.binary(kb)).join();
            }
            Await.until(() -> t.closedWith == Disconnect.SLOW);
        } finally {
            tight.close();
        }
    }

    @Test
    void drainStopsWhileUnwritableAndResumes() {
        RecordingTransport t = session();
        node.subscribe(t.session, "w", null).join();
        t.writable = false;
        for (int i = 0; i < 10; i++) {
            node.publish("w", null, Payload.text("m" + i)).join();
        }
        assertThat(t.session.queuedBytes()).isPositive();
        t.writable = true;
        t.executor.execute(t.session::onWritable);
        Await.until(() -> t.offsets().size() == 10);
        assertThat(t.offsets()).containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
    }

    @Test
    void closingASessionRemovesItsSubscriptions() {
        RecordingTransport t = session();
        node.subscribe(t.session, "a", null).join();
        node.subscribe(t.session, "b", null).join();
        assertThat(node.subscriptionCount()).isEqualTo(2);
        t.session.onClosed();
        assertThat(node.subscriptionCount()).isZero();
        assertThat(node.sessionCount()).isZero();
        assertThat(node.hub().channelCount()).isZero();
    }

    @Test
    void subscribingTwiceToOneChannelFails() {
        RecordingTransport t = session();
        node.subscribe(t.session, "a", null).join();
        assertThatThrownBy(() -> node.subscribe(t.session, "a", null).join())
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("already subscribed");
    }

    @Test
    void manyPublicationsArriveInFewerFlushes() {
        RecordingTransport t = session();
        node.subscribe(t.session, "batch", null).join();
        t.executor.execute(() -> {
            // While the drain thread is busy, publications queue up and are written in one drain.
            for (int i = 0; i < 100; i++) {
                node.publish("batch", null, Payload.text("m")).join();
            }
        });
        Await.until(() -> t.offsets().size() == 100);
        assertThat(t.flushed).hasSizeLessThan(100);
        List<Long> expected = new ArrayList<>(LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(t.offsets()).containsExactlyElementsOf(expected);
    }

    @Test
    void everySubscribeOfAChannelWaitsForTheBrokersConfirmationNotOnlyTheFirst() {
        FaultyBroker broker = new FaultyBroker();
        broker.holdSubscribes = true;
        Node remote = new Node(NodeConfig.builder().build(), broker);
        try {
            RecordingTransport first = new RecordingTransport();
            first.session = remote.newSession(first);
            RecordingTransport second = new RecordingTransport();
            second.session = remote.newSession(second);
            var firstSubscribed = remote.subscribe(first.session, "c", null);
            var secondSubscribed = remote.subscribe(second.session, "c", null);
            assertThat(firstSubscribed).isNotDone();
            assertThat(secondSubscribed).as("the second subscriber waits for the same confirmation").isNotDone();

            broker.releaseSubscribes();
            assertThat(firstSubscribed.join().reset()).isFalse();
            assertThat(secondSubscribed.join().reset()).isFalse();
            Publication p = remote.publish("c", null, Payload.text("x")).join();
            Await.until(() -> first.offsets().contains(p.offset()) && second.offsets().contains(p.offset()));
        } finally {
            remote.close();
        }
    }

    @Test
    void aFailedBrokerSubscribeFailsEverySubscribeWaitingForItAndALaterOneTriesAgain() {
        FaultyBroker broker = new FaultyBroker();
        Node remote = new Node(NodeConfig.builder().build(), broker);
        try {
            broker.failWith = () -> new IllegalStateException("connection refused");
            RecordingTransport t = new RecordingTransport();
            t.session = remote.newSession(t);
            assertThatThrownBy(() -> remote.subscribe(t.session, "c", null).join())
                    .hasRootCauseInstanceOf(IllegalStateException.class);
            assertThat(remote.hub().channelCount()).isZero();

            broker.failWith = null;
            assertThat(remote.subscribe(t.session, "c", null).join().reset()).isFalse();
            assertThat(remote.hub().subscriberCount("c")).isEqualTo(1);
        } finally {
            remote.close();
        }
    }
}
