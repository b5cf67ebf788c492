package io.herald.server.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.NpmClients;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sockjs-client} from npm (pinned in herald-server/src/test/npm/package.json) in Node against
 * Herald's {@code /sockjs}, each of its Node transports forced on its own ({@code transports}
 * option): it subscribes with {@code since}, gets what it missed and what is published live, in
 * order, once (docs/protocol.md, "SockJS"). The client is {@code src/test/npm/sockjs-subscriber.js}.
 */
@Timeout(90)
class SockJsNodeClientTest {

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "xhr-streaming", "xhr-polling", "eventsource"})
    void sockjsClientInNodeResumesAndReceivesEveryPublicationInOrder(String transport) throws Exception {
        NpmClients.require("sockjs-client");
        try (TestServer t = TestServer.start()) {
            String channel = "node:" + transport;
            JsonNode first = t.publish(channel, "m1");
            t.publish(channel, "m2");
            Process node = new ProcessBuilder("/usr/bin/node", "sockjs-subscriber.js", t.uri("/sockjs").toString(), transport,
                    channel, first.get("id").asText(), "49")
                    .directory(NpmClients.DIR.toFile()).redirectErrorStream(true).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "node-output");
            reader.start();
            try {
                TestServer.await("the subscribe reply (node said " + lines + ")", Duration.ofSeconds(30),
                        () -> lines.stream().anyMatch(l -> l.startsWith("{\"id\":1,\"ok\":true")));
                for (int i = 3; i <= 50; i++) {
                    t.publish(channel, "m" + i);
                }
                assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("node exited: " + lines).isTrue();
                reader.join(5000);
                assertThat(node.exitValue()).as(String.join("\n", lines)).isEqualTo(0);
            } finally {
                node.destroyForcibly();
            }
            assertThat(lines.get(0)).isEqualTo("open " + transport);
            JsonNode reply = TestServer.json(lines.get(1));
            assertThat(reply.get("recovered").asInt()).isEqualTo(1);
            List<String> data = new ArrayList<>();
            for (String line : lines.subList(2, lines.size() - 1)) {
                data.add(TestServer.json(line).get("data").asText());
            }
            List<String> expected = new ArrayList<>();
            for (int i = 2; i <= 50; i++) {
                expected.add("m" + i);
            }
            assertThat(data).isEqualTo(expected);
            assertThat(lines.get(lines.size() - 1)).isEqualTo("done");
        }
    }
}
