package io.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.FaultyBroker;
import io.herald.core.hub.RecordingTransport;
import io.herald.core.hub.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Errors travel one way: every asynchronous operation of the node fails its future, never throws. */
@Timeout(30)
class NodeErrorsTest {
    private final FaultyBroker broker = new FaultyBroker();
    private final Node node = new Node(NodeConfig.builder().maxPayloadBytes(16)
            .namespace("ro", NamespaceOptions.builder().allowClientPublish(false).build()).build(), broker);

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void brokerHealthReportsDownWithWhyAndNeverFails() {
        Duration wait = Duration.ofMillis(200);
        assertThat(node.brokerHealth(wait).join()).isEqualTo(BrokerHealth.UP);
        broker.unhealthy = "store at 10.0.0.5:6379: connection refused";
        assertThat(node.brokerHealth(wait).join()).isEqualTo(BrokerHealth.down("store at 10.0.0.5:6379: connection refused"));
        broker.unhealthy = null;
        broker.silentHealth = true;
        assertThat(node.brokerHealth(wait).join()).isEqualTo(BrokerHealth.down("the broker did not answer within 200 ms"));
        broker.silentHealth = false;
        assertThat(node.brokerHealth(wait).join().up()).isTrue();
    }

    @Test
    void aNodeRefusingNewSessionsKeepsItsSessionsAndPublishing() {
        Session before = newSession();
        node.subscribe(before, "c", null).join();
        node.refuseNewSessions();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.newSession(new RecordingTransport(Runnable::run)))
                .isInstanceOfSatisfying(HeraldException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
        assertThat(node.publish("c", null, Payload.text("still")).join().offset()).isEqualTo(1);
        assertThat(node.sessionCount()).isEqualTo(1);
        assertThat(node.subscriptionCount()).isEqualTo(1);
    }

    @Test
    void publishReportsBadArgumentsThroughItsFuture() {
        assertFails(() -> node.publish("bad name", null, Payload.text("x")), ErrorCode.INVALID_CHANNEL);
        assertFails(() -> node.publish("c", "bad event", Payload.text("x")), ErrorCode.INVALID_EVENT);
        assertFails(() -> node.publish("c", null, Payload.text("x".repeat(17))), ErrorCode.PAYLOAD_TOO_LARGE);
        Session client = newSession();
        assertFails(() -> node.publishFromClient(client, "ro:c", null, Payload.text("x")), ErrorCode.PUBLISH_FORBIDDEN);
        assertFails(() -> node.publishFromClient(client, "bad name", null, Payload.text("x")), ErrorCode.INVALID_CHANNEL);
    }

    @Test
    void historyAndSubscribeReportBadArgumentsThroughTheirFutures() {
        assertFails(() -> node.history("bad name", null, 1), ErrorCode.INVALID_CHANNEL);
        assertFails(() -> node.history("c", null, -1), ErrorCode.INVALID_PARAMETER);
        Session session = newSession();
        assertFails(() -> node.subscribe(session, "bad name", null), ErrorCode.INVALID_CHANNEL);
        node.subscribe(session, "c", null).join();
        assertFails(() -> node.subscribe(session, "c", null), ErrorCode.ALREADY_SUBSCRIBED);
    }

    @Test
    void aBrokerFailureThatIsNotAHeraldExceptionBecomesBrokerUnavailable() {
        broker.failWith = () -> new UncheckedIOException(new IOException("connection reset"));
        HeraldException e = assertFails(() -> node.publish("c", null, Payload.text("x")), ErrorCode.BROKER_UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("publication not stored: broker unavailable");
        assertThat(e.getCause()).isInstanceOf(UncheckedIOException.class);
        assertFails(() -> node.history("c", null, 1), ErrorCode.BROKER_UNAVAILABLE);
        Session session = newSession();
        assertFails(() -> node.subscribe(session, "c", null), ErrorCode.BROKER_UNAVAILABLE);
        assertThat(session.subscription("c")).as("a failed subscribe leaves no subscription").isNull();
        assertThat(node.subscriptionCount()).isZero();

        broker.failWith = null;
        assertThat(node.publish("c", null, Payload.text("x")).join().offset()).isEqualTo(1);
    }

    @Test
    void aBrokerFailureThatIsAHeraldExceptionKeepsItsCode() {
        broker.failWith = () -> new HeraldException(ErrorCode.BROKER_UNAVAILABLE, "redis: connection refused");
        HeraldException e = assertFails(() -> node.publish("c", null, Payload.text("x")), ErrorCode.BROKER_UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("redis: connection refused");
    }

    @Test
    void publishingAfterCloseFailsWithShuttingDown() {
        node.close();
        assertFails(() -> node.publish("c", null, Payload.text("x")), ErrorCode.SHUTTING_DOWN);
    }

    @Test
    void ofUnwrapsCompletionAndExecutionExceptionsAndTurnsAnythingElseIntoInternal() {
        HeraldException inner = new HeraldException(ErrorCode.INVALID_EVENT, "bad");
        assertThat(HeraldException.of(new java.util.concurrent.CompletionException(inner))).isSameAs(inner);
        assertThat(HeraldException.of(new java.util.concurrent.ExecutionException(inner))).isSameAs(inner);
        IllegalStateException bug = new IllegalStateException("bug");
        HeraldException internal = HeraldException.of(new java.util.concurrent.CompletionException(bug));
        assertThat(internal.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(internal.getMessage()).doesNotContain("bug");
        assertThat(internal.getCause()).isSameAs(bug);
    }

    private Session newSession() {
        RecordingTransport t = new RecordingTransport(Runnable::run);
        t.session = node.newSession(t);
        return t.session;
    }

    /** Calls {@code operation}, which must not throw, and returns the error its future fails with. */
    private static HeraldException assertFails(Supplier<CompletableFuture<?>> operation, ErrorCode code) {
        Throwable error = operation.get().handle((v, failure) -> failure).join();
        assertThat(error).as("the future's failure").isNotNull();
        HeraldException e = HeraldException.of(error);
        assertThat(e.code()).isEqualTo(code);
        return e;
    }
}
