package io.herald.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.NamespaceOptions;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.broker.MemoryBroker;
import io.herald.core.hub.RecordingTransport;
import io.herald.core.hub.Session;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The access decision (docs/security.md, "Channel permissions"), rule by rule, and the node applying it. */
class AuthorizerTest {
    private static final NamespaceOptions GRANT = NamespaceOptions.DEFAULTS;
    private static final NamespaceOptions OPEN = level(AccessLevel.ANONYMOUS, AccessLevel.ANONYMOUS, null);
    private static final Instant LATER = Instant.now().plusSeconds(3600);

    private static NamespaceOptions level(AccessLevel subscribe, AccessLevel publish, AccessLevel history) {
        return NamespaceOptions.builder().subscribe(subscribe).publish(publish).history(history).build();
    }

    private static Principal user(String sub, Grants grants) {
        return Principal.user(sub, grants, null, LATER);
    }

    private static Grants subscribe(String... patterns) {
        return new Grants(List.of(patterns), List.of(), List.of());
    }

    private static boolean allowed(Principal who, Action action, String channel, NamespaceOptions options) {
        return Authorizer.ENFORCING.allowed(who, action, channel, options, false);
    }

    @Test
    void openAllowsEverythingAndEnforcingDeniesByDefault() {
        for (Action a : Action.values()) {
            assertThat(Authorizer.OPEN.allowed(Principal.ANONYMOUS, a, "doc:1", GRANT, false)).isTrue();
            assertThat(allowed(Principal.ANONYMOUS, a, "doc:1", GRANT)).isFalse();
            assertThat(allowed(user("42", Grants.NONE), a, "doc:1", GRANT)).isFalse();
        }
    }

    @Test
    void grantPatternsAreExactOrPrefixWithStar() {
        Principal u = user("1", subscribe("chat:room1", "doc:4*"));
        assertThat(allowed(u, Action.SUBSCRIBE, "chat:room1", GRANT)).isTrue();
        assertThat(allowed(u, Action.SUBSCRIBE, "chat:room10", GRANT)).isFalse();
        assertThat(allowed(u, Action.SUBSCRIBE, "doc:4", GRANT)).isTrue();
        assertThat(allowed(u, Action.SUBSCRIBE, "doc:42", GRANT)).isTrue();
        assertThat(allowed(u, Action.SUBSCRIBE, "doc:5", GRANT)).isFalse();
        assertThat(allowed(u, Action.PUBLISH, "chat:room1", GRANT)).as("a subscribe grant is not a publish grant").isFalse();
        assertThat(allowed(u, Action.HISTORY, "chat:room1", GRANT)).isFalse();
        assertThat(allowed(user("1", subscribe("*")), Action.SUBSCRIBE, "anything", GRANT)).isTrue();
    }

    @Test
    void ownerChannelsBelongToTheirSubject() {
        NamespaceOptions owner = level(AccessLevel.OWNER, AccessLevel.NONE, null);
        assertThat(allowed(user("42", Grants.NONE), Action.SUBSCRIBE, "user:42", owner)).isTrue();
        assertThat(allowed(user("42", Grants.NONE), Action.SUBSCRIBE, "user:42.inbox", owner)).isTrue();
        assertThat(allowed(user("43", Grants.NONE), Action.SUBSCRIBE, "user:42", owner)).isFalse();
        assertThat(allowed(user("42", Grants.NONE), Action.SUBSCRIBE, "user:420", owner)).isFalse();
        assertThat(allowed(user("42", Grants.NONE), Action.HISTORY, "user:42", owner)).as("history follows subscribe").isTrue();
        assertThat(allowed(Principal.ANONYMOUS, Action.SUBSCRIBE, "user:", owner)).isFalse();
        assertThat(allowed(user("", Grants.NONE), Action.SUBSCRIBE, "user:", owner)).isFalse();
        assertThat(allowed(user("42", Grants.NONE), Action.SUBSCRIBE, "42", owner)).as("no namespace, no owner").isFalse();
    }

    @Test
    void subscriptionTokensOpenTheirOneChannelForSubscribingOnly() {
        Principal ticket = Principal.user("7", Grants.NONE, "doc:1", LATER);
        assertThat(allowed(ticket, Action.SUBSCRIBE, "doc:1", GRANT)).isTrue();
        assertThat(allowed(ticket, Action.SUBSCRIBE, "doc:2", GRANT)).isFalse();
        assertThat(allowed(ticket, Action.PUBLISH, "doc:1", GRANT)).isFalse();
        NamespaceOptions authenticated = level(AccessLevel.AUTHENTICATED, AccessLevel.AUTHENTICATED, null);
        assertThat(allowed(ticket, Action.SUBSCRIBE, "doc:3", authenticated)).as("not a connection token").isFalse();
        assertThat(allowed(ticket, Action.SUBSCRIBE, "doc:3", OPEN)).as("anonymous levels are open to it").isTrue();
    }

    @Test
    void levelsAuthenticatedSubscriberAndNone() {
        NamespaceOptions chat = level(AccessLevel.AUTHENTICATED, AccessLevel.SUBSCRIBER, null);
        Principal u = user("1", Grants.NONE);
        assertThat(allowed(u, Action.SUBSCRIBE, "chat:a", chat)).isTrue();
        assertThat(allowed(Principal.ANONYMOUS, Action.SUBSCRIBE, "chat:a", chat)).isFalse();
        assertThat(Authorizer.ENFORCING.allowed(u, Action.PUBLISH, "chat:a", chat, false)).isFalse();
        assertThat(Authorizer.ENFORCING.allowed(u, Action.PUBLISH, "chat:a", chat, true)).isTrue();
        NamespaceOptions closed = level(AccessLevel.NONE, AccessLevel.NONE, null);
        Principal all = user("1", new Grants(List.of("*"), List.of("*"), List.of("*")));
        for (Action a : Action.values()) {
            assertThat(allowed(all, a, "x:1", closed)).as("none beats grants: " + a).isFalse();
        }
        assertThat(allowed(Principal.server("backend"), Action.PUBLISH, "x:1", closed)).isTrue();
        assertThat(allowed(Principal.server("backend"), Action.SUBSCRIBE, "x:1", OPEN)).as("a server key never subscribes").isFalse();
        assertThat(allowed(Principal.server("backend"), Action.HISTORY, "x:1", GRANT)).isTrue();
    }

    @Test
    void subscriberIsForPublishingOnly() {
        assertThatThrownBy(() -> level(AccessLevel.SUBSCRIBER, AccessLevel.NONE, null))
                .hasMessageStartingWith("subscribe: subscriber (expected:");
        assertThatThrownBy(() -> level(AccessLevel.ANONYMOUS, AccessLevel.NONE, AccessLevel.SUBSCRIBER))
                .hasMessageStartingWith("history: subscriber (expected:");
        assertThatThrownBy(() -> AccessLevel.parse("publish", "owners"))
                .hasMessage("publish: owners (expected: anonymous, authenticated, owner, subscriber, grant, none)");
    }

    @Test
    void refusalsAreUnauthorizedWithoutACredentialAndForbiddenWithOne() {
        assertThatThrownBy(() -> Authorizer.ENFORCING.check(Principal.ANONYMOUS, Action.SUBSCRIBE, "doc:1", GRANT, false))
                .isInstanceOfSatisfying(HeraldException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED))
                .hasMessage("a token is required to subscribe to 'doc:1'");
        assertThatThrownBy(() -> Authorizer.ENFORCING.check(user("42", Grants.NONE), Action.HISTORY, "doc:1", GRANT, false))
                .isInstanceOfSatisfying(HeraldException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN))
                .hasMessage("user 42 may not read the history of 'doc:1'");
    }

    @Test
    void theNodeChecksSubscriptionsClientPublicationsAndHistory() {
        NodeConfig config = NodeConfig.builder().defaultNamespace(GRANT)
                .namespace("chat", level(AccessLevel.AUTHENTICATED, AccessLevel.SUBSCRIBER, AccessLevel.NONE)).build();
        try (Node node = new Node(config, new MemoryBroker(), Authorizer.ENFORCING)) {
            RecordingTransport transport = new RecordingTransport(Runnable::run);
            Session session = transport.session = node.newSession(transport);
            assertCode(node.subscribe(session, "chat:a", null), ErrorCode.UNAUTHORIZED);
            session.principal(user("1", Grants.NONE));
            assertCode(node.publishFromClient(session, "chat:a", null, Payload.text("x")), ErrorCode.FORBIDDEN);
            node.subscribe(session, "chat:a", null).join();
            assertThat(node.publishFromClient(session, "chat:a", null, Payload.text("x")).join().offset()).isEqualTo(1);
            assertCode(node.history(session.principal(), Action.HISTORY, "chat:a", null, 10), ErrorCode.FORBIDDEN);
            assertThat(node.history(session.principal(), Action.SUBSCRIBE, "chat:a", null, 10).join().publications()).hasSize(1);
            assertCode(node.publishAs(Principal.ANONYMOUS, "doc:1", null, Payload.text("x")), ErrorCode.UNAUTHORIZED);
            assertThat(node.publishAs(Principal.server("backend"), "doc:1", null, Payload.text("x")).join().offset()).isEqualTo(1);
            session.disconnect(io.herald.core.Disconnect.NORMAL);
        }
    }

    private static void assertCode(CompletableFuture<?> future, ErrorCode code) {
        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(HeraldException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
