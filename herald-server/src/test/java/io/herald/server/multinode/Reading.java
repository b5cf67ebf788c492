package io.herald.server.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.StreamPosition;
import io.herald.server.testing.TestServer;
import io.herald.server.transport.contract.Signal;
import io.herald.server.transport.contract.Signal.Kind;
import io.herald.server.transport.contract.TransportClient.Subscription;
import java.util.List;

/** What the multi-node tests read from nodes and subscriptions, with the assertions they share. */
final class Reading {
    private Reading() {
    }

    /** The channel's current position on {@code node}: {@code next} of an empty history page. */
    static String position(TestServer node, String channel) {
        return TestServer.json(node.get("/history/" + channel + "?limit=0").body()).get("next").asText();
    }

    /** The ids of the publications {@code node}'s history holds after {@code since} (at most 1000). */
    static List<String> historyIds(TestServer node, String channel, String since) {
        var page = TestServer.json(node.get("/history/" + channel + "?limit=1000&since=" + since).body());
        assertThat(page.get("reset").asBoolean()).as("history after %s: reset", since).isFalse();
        List<String> ids = new java.util.ArrayList<>();
        page.get("messages").forEach(m -> ids.add(m.get("id").asText()));
        return ids;
    }

    /** The next signal that is not a heartbeat. */
    static Signal nextSignal(Subscription s) throws Exception {
        Signal next;
        do {
            next = s.next();
        } while (next.kind() == Kind.HEARTBEAT);
        return next;
    }

    /** The next signal that is not a heartbeat, asserted to be the publication right after {@code last}. */
    static Signal nextAfter(Subscription s, String last) throws Exception {
        Signal p = nextSignal(s);
        assertThat(p.kind()).as("expected the publication after %s, got %s", last, p).isEqualTo(Kind.PUBLICATION);
        assertFollows(p, last);
        return p;
    }

    /** {@code p} is the publication right after {@code last}: same epoch, next offset. */
    static void assertFollows(Signal p, String last) {
        StreamPosition before = StreamPosition.parse(last);
        assertThat(p.id()).as("the id after %s", last).isEqualTo(new StreamPosition(before.epoch(), before.offset() + 1).id());
    }
}
