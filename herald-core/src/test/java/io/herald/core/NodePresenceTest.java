package io.herald.core;

import static io.herald.core.presence.PresenceStoreContractTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.auth.Principal;
import io.herald.core.broker.MemoryBroker;
import io.herald.core.presence.ClientInfo;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.presence.PresenceStats;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node keeps presence for namespaces that enable it: entries follow live subscriptions, events go to subscribers. */
@Timeout(30)
class NodePresenceTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final Node node = new Node(NodeConfig.builder()
            .namespace("room", NamespaceOptions.builder().presence(true).build())
            .namespace("lobby", NamespaceOptions.builder().presence(true).joinLeave(true).build())
            .build(), new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
        executor.shutdownNow();
    }

    @Test
    void aLiveSubscriptionIsListedUntilItEnds() {
        LocalSubscriber a = LocalSubscriber.open(node, "room:1", null, new SubscriptionListener() { }, executor);
        LocalSubscriber b = LocalSubscriber.open(node, "room:1", null, new SubscriptionListener() { }, executor);
        a.subscribed().join();
        b.subscribed().join();
        assertThat(node.presence(null, "room:1").join()).extracting(ClientInfo::client)
                .containsExactlyInAnyOrder(a.clientId(node), b.clientId(node));
        assertThat(node.presenceStats(null, "room:1").join()).isEqualTo(new PresenceStats(2, 0));
        a.close();
        await("a's entry removed", () -> node.presence(null, "room:1").join().size() == 1);
        assertThat(node.presence(null, "room:1").join()).extracting(ClientInfo::client).containsExactly(b.clientId(node));
        b.close();
        await("b's entry removed", () -> node.presence(null, "room:1").join().isEmpty());
    }

    @Test
    void aNamespaceWithoutPresenceAnswersPresenceDisabled() {
        assertThat(node.presence(null, "other:1")).failsWithin(java.time.Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .satisfies(e -> assertThat(((HeraldException) e.getCause()).code()).isEqualTo(ErrorCode.PRESENCE_DISABLED));
        assertThat(node.presenceStats(Principal.ANONYMOUS, "bad name")).isCompletedExceptionally();
    }

    @Test
    void subscribersOfAJoinLeaveNamespaceHearOthersComeAndGo() {
        List<PresenceEvent> heard = new CopyOnWriteArrayList<>();
        LocalSubscriber watcher = LocalSubscriber.open(node, "lobby:1", null, new SubscriptionListener() {
            @Override
            public void onPresenceEvent(PresenceEvent event) {
                heard.add(event);
            }
        }, executor);
        watcher.subscribed().join();
        LocalSubscriber visitor = LocalSubscriber.open(node, "lobby:1", null, new SubscriptionListener() { }, executor);
        visitor.subscribed().join();
        String id = visitor.clientId(node);
        visitor.close();
        await("the visitor's join and leave", () -> heard.stream().filter(e -> e.client().client().equals(id)).count() == 2);
        assertThat(heard.stream().filter(e -> e.client().client().equals(id)).toList()).containsExactly(
                new PresenceEvent("lobby:1", true, new ClientInfo(id, null)),
                new PresenceEvent("lobby:1", false, new ClientInfo(id, null)));
        watcher.close();
    }

    /**
     * Joins announced at the same moment on two threads: each subscription announces under its own
     * monitor while the event goes to the other's. Delivered on the announcing thread, the two
     * waited for each other for ever (seen with two browser tabs on the chat demo).
     */
    @Test
    void joinsOnTwoThreadsAtOnceNeverWaitForEachOther() throws Exception {
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 200; round++) {
                String channel = "lobby:race" + round;
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.Callable<LocalSubscriber> open = () -> {
                    together.await();
                    return LocalSubscriber.open(node, channel, null, new SubscriptionListener() { }, executor);
                };
                java.util.concurrent.Future<LocalSubscriber> a = second.submit(open);
                LocalSubscriber b = open.call();
                LocalSubscriber first = a.get(5, java.util.concurrent.TimeUnit.SECONDS);
                first.subscribed().get(5, java.util.concurrent.TimeUnit.SECONDS);
                b.subscribed().get(5, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(node.presenceStats(null, channel).join().clients()).isEqualTo(2);
                first.close();
                b.close();
            }
        } finally {
            second.shutdownNow();
        }
    }
}
