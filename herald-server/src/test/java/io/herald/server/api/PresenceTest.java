package io.herald.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.auth.AccessLevel;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.testing.WsClient;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Presence over real sockets on the memory broker (docs/protocol.md, "Presence"): {@code GET
 * /presence/{channel}} with and without {@code count}, the WebSocket {@code presence} command, join
 * and leave events, the errors, and access control (checked as reading history).
 */
@Timeout(60)
class PresenceTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** room: presence; lobby: presence and join/leave; the default namespace: neither. */
    private static NodeConfig namespaces(NamespaceOptions base) {
        return NodeConfig.builder().defaultNamespace(base)
                .namespace("room", base.toBuilder().presence(true).build())
                .namespace("lobby", base.toBuilder().presence(true).joinLeave(true).build())
                .build();
    }

    private static TestServer open() {
        return TestServer.start(cfg -> cfg.node(namespaces(NamespaceOptions.DEFAULTS)));
    }

    private static JsonNode presence(TestServer t, String channel) {
        HttpResponse<String> r = t.get("/presence/" + channel);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return TestServer.json(r.body());
    }

    private static void subscribe(WsClient ws, long id, String channel) {
        ws.send("{\"id\":" + id + ",\"op\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        JsonNode reply = ws.nextJson();
        assertThat(reply.get("ok").asBoolean()).as("%s", reply).isTrue();
    }

    private static void awaitClients(TestServer t, String channel, int n) {
        TestServer.await(n + " client(s) in " + channel, WAIT,
                () -> presence(t, channel).get("clients").size() == n);
    }

    @Test
    void listsTheSubscribersOfEveryTransportAndCountsThem() throws Exception {
        try (TestServer t = open()) {
            assertThat(presence(t, "room:1").toString()).isEqualTo("{\"channel\":\"room:1\",\"clients\":[]}");
            assertThat(t.get("/presence/room:1?count=true").body()).isEqualTo("{\"channel\":\"room:1\",\"clients\":0,\"users\":0}");

            WsClient a = WsClient.connect(t, "/ws");
            subscribe(a, 1, "room:1");
            HttpResponse<InputStream> sse = t.stream("/sse/room:1");
            assertThat(sse.statusCode()).isEqualTo(200);
            awaitClients(t, "room:1", 2);
            JsonNode clients = presence(t, "room:1").get("clients");
            List<String> ids = new ArrayList<>();
            clients.forEach(c -> {
                ids.add(c.get("client").asText());
                assertThat(c.has("user")).as("no user id with access control off").isFalse();
            });
            assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("[a-z0-9]{8}-[0-9]+"));
            assertThat(ids).isSorted();
            assertThat(t.get("/presence/room:1?count=true").body()).isEqualTo("{\"channel\":\"room:1\",\"clients\":2,\"users\":0}");
            assertThat(presence(t, "room:2").get("clients")).isEmpty();

            a.close();
            awaitClients(t, "room:1", 1);
            sse.body().close();
            awaitClients(t, "room:1", 0);
        }
    }

    @Test
    void answersBadRequestsAsTheOtherRoutes() {
        try (TestServer t = open()) {
            assertError(t.get("/presence/bad%20name"), 400, "invalid_channel");
            assertError(t.get("/presence/room:1?count=yes"), 400, "invalid_parameter");
            assertError(t.get("/presence/plain"), 404, "presence_disabled");
            assertError(t.get("/presence/other:1?count=true"), 404, "presence_disabled");
            assertError(t.get("/presence"), 404, "not_found");
            HttpResponse<String> post = t.post("/presence/room:1", "x", "text/plain");
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo(code);
    }

    @Test
    void theWebSocketPresenceCommandAnswersTheListAndTheCounts() {
        try (TestServer t = open()) {
            WsClient ws = WsClient.connect(t, "/ws");
            subscribe(ws, 1, "room:1");
            awaitClients(t, "room:1", 1);
            String id = presence(t, "room:1").at("/clients/0/client").asText();
            ws.send("{\"id\":2,\"op\":\"presence\",\"channel\":\"room:1\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":2,\"ok\":true,\"channel\":\"room:1\",\"clients\":[{\"client\":\"" + id + "\"}]}");
            ws.send("{\"id\":3,\"op\":\"presence\",\"channel\":\"room:1\",\"count\":true}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":3,\"ok\":true,\"channel\":\"room:1\",\"clients\":1,\"users\":0}");
            ws.send("{\"id\":4,\"op\":\"presence\",\"channel\":\"plain\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("presence_disabled");
            ws.send("{\"id\":5,\"op\":\"presence\",\"channel\":\"room:1\",\"count\":\"yes\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("invalid_command");
            ws.send("{\"id\":6,\"op\":\"presence\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("invalid_command");
            ws.close();
        }
    }

    @Test
    void joinAndLeaveEventsReachTheSubscribersAndStayOutOfTheStream() {
        try (TestServer t = open()) {
            WsClient a = WsClient.connect(t, "/ws");
            subscribe(a, 1, "lobby:1");
            JsonNode ownJoin = a.nextJson();
            assertThat(ownJoin.has("join")).as("%s", ownJoin).isTrue();
            String aId = ownJoin.at("/join/client").asText();

            WsClient b = WsClient.connect(t, "/ws");
            subscribe(b, 1, "lobby:1");
            JsonNode join = a.nextJson();
            String bId = join.at("/join/client").asText();
            assertThat(join.toString()).isEqualTo("{\"join\":{\"channel\":\"lobby:1\",\"client\":\"" + bId + "\"}}");
            assertThat(bId).isNotEqualTo(aId);
            assertThat(b.nextJson().at("/join/client").asText()).isEqualTo(bId);

            JsonNode published = t.publish("lobby:1", "hello");
            assertThat(a.nextJson().get("offset").asLong()).as("join and leave take no offset").isEqualTo(1);
            assertThat(published.get("offset").asLong()).isEqualTo(1);
            assertThat(b.nextJson().get("offset").asLong()).isEqualTo(1);

            b.send("{\"id\":2,\"op\":\"unsubscribe\",\"channel\":\"lobby:1\"}");
            assertThat(b.nextJson().get("ok").asBoolean()).isTrue();
            assertThat(a.nextText()).isEqualTo("{\"leave\":{\"channel\":\"lobby:1\",\"client\":\"" + bId + "\"}}");
            JsonNode history = TestServer.json(t.get("/history/lobby:1").body());
            assertThat(history.get("messages")).hasSize(1);

            // room:1 keeps presence without join-leave: no events
            subscribe(b, 3, "room:1");
            t.publish("room:1", "x");
            assertThat(b.nextJson().get("offset").asLong()).isEqualTo(1);
            b.close();
            awaitSubscriptionsOf(t, 1);
            a.send("{\"id\":2,\"op\":\"ping\"}");
            assertThat(a.nextText()).as("b's closing is no event for a: it had left lobby:1").isEqualTo("{\"id\":2,\"ok\":true}");
            a.close();
        }
    }

    @Test
    void aLongPollIsListedWhileHeldButNeverAnnounced() throws Exception {
        try (TestServer t = open()) {
            WsClient a = WsClient.connect(t, "/ws");
            subscribe(a, 1, "lobby:1");
            assertThat(a.nextJson().has("join")).isTrue(); // its own
            CompletableFuture<HttpResponse<String>> poll =
                    CompletableFuture.supplyAsync(() -> t.get("/longpoll/lobby:1?timeout=30"));
            awaitClients(t, "lobby:1", 2);
            t.publish("lobby:1", "x");
            assertThat(a.nextJson().get("offset").asLong()).as("the publication, no join before it").isEqualTo(1);
            assertThat(poll.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            awaitClients(t, "lobby:1", 1);
            a.send("{\"id\":2,\"op\":\"ping\"}");
            assertThat(a.nextText()).as("no leave either").isEqualTo("{\"id\":2,\"ok\":true}");
            a.close();
        }
    }

    private static void awaitSubscriptionsOf(TestServer t, int n) {
        TestServer.await(n + " subscription(s)", WAIT, () -> t.server().node().subscriptionCount() == n);
    }

    @Test
    void accessControlChecksPresenceAsHistory() {
        TestTokens tokens = TestTokens.create();
        NamespaceOptions base = NamespaceOptions.DEFAULTS.toBuilder().subscribe(AccessLevel.GRANT).publish(AccessLevel.NONE).build();
        NodeConfig config = NodeConfig.builder().defaultNamespace(base)
                .namespace("room", base.toBuilder().subscribe(AccessLevel.AUTHENTICATED).presence(true).build())
                .namespace("doc", base.toBuilder().presence(true).build())
                .build();
        try (TestServer t = tokens.start(cfg -> cfg.node(config))) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + tokens.token("42") + "\"}");
            assertThat(ws.nextJson().get("ok").asBoolean()).isTrue();
            subscribe(ws, 2, "room:1");

            // anonymous where a token is needed: 401 with the challenge
            HttpResponse<String> anonymous = t.get("/presence/room:1");
            assertError(anonymous, 401, "unauthorized");
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertError(t.get("/presence/room:1?count=true"), 401, "unauthorized");
            // a forged token
            assertError(get(t, "/presence/room:1", "Bearer " + TestTokens.forged("42", "history", "*")), 401, "unauthorized");
            // a valid token: the user id is listed
            HttpResponse<String> ok = get(t, "/presence/room:1", "Bearer " + tokens.token("7"));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(TestServer.json(ok.body()).at("/clients/0/user").asText()).isEqualTo("42");
            assertThat(ok.headers().firstValue("Cache-Control")).hasValue("private, no-store");
            assertThat(get(t, "/presence/room:1?count=true", "Bearer " + tokens.token("7")).body())
                    .isEqualTo("{\"channel\":\"room:1\",\"clients\":1,\"users\":1}");
            // doc: only a grant opens it
            assertError(get(t, "/presence/doc:1", "Bearer " + tokens.token("7")), 403, "forbidden");
            assertError(get(t, "/presence/doc:1", "Bearer " + tokens.token("7", "subscribe", "doc:1")), 403, "forbidden");
            assertThat(get(t, "/presence/doc:1", "Bearer " + tokens.token("7", "history", "doc:*")).statusCode()).isEqualTo(200);
            // over the socket: refused with an error reply, the socket stays open
            ws.send("{\"id\":3,\"op\":\"presence\",\"channel\":\"doc:1\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("forbidden");
            ws.send("{\"id\":4,\"op\":\"presence\",\"channel\":\"room:1\",\"count\":true}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":4,\"ok\":true,\"channel\":\"room:1\",\"clients\":1,\"users\":1}");
            ws.close();

            // before connect, presence is refused and ends the socket like any other command
            WsClient early = WsClient.connect(t, "/ws");
            early.send("{\"id\":1,\"op\":\"presence\",\"channel\":\"room:1\"}");
            assertThat(early.nextJson().at("/error/code").asText()).isEqualTo("unauthorized");
            early.close();
        }
    }

    private static HttpResponse<String> get(TestServer t, String path, String authorization) {
        return t.send(HttpRequest.newBuilder(t.uri(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization).GET().build());
    }
}
