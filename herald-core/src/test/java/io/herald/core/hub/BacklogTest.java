package io.herald.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.broker.MemoryBroker;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BacklogTest {
    private final Node node = new Node(NodeConfig.builder().maxBacklog(20).build(),
            new MemoryBroker());

    @AfterEach
    void close() {
        node.close();
    }


    @Test
    void publishingIsRefusedWhileTheOutboundBacklogIsOverItsBoundAndResumesWhenItDrains() throws Exception {
        RecordingTransport[] stalled = new RecordingTransport[5];
        for (int i = 0; i < stalled.length; i++) {
            stalled[i] = new RecordingTransport();
            stalled[i].writable = false;
            stalled[i].session = node.newSession(stalled[i]);
            node.subscribe(stalled[i].session, "c", null).join();
        }
        Await.until(() -> node.backlog() == 5); // the subscribe notices
        int accepted = 0;
        HeraldException refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            try {
                node.publish("c", null, Payload.text("m" + i)).join();
                accepted++;
            } catch (CompletionException e) {
                refused = HeraldException.of(e);
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo(ErrorCode.OVERLOADED);
        // 5 notices + 5 per publication: refused once over 20
        assertThat(accepted).isEqualTo(4);
        assertThat(node.backlog()).isEqualTo(25);

        for (RecordingTransport t : stalled) {
            t.writable = true;
            t.executor.execute(t.session::onWritable);
        }
        Await.until(() -> node.backlog() == 0);
        for (RecordingTransport t : stalled) {
            assertThat(t.offsets()).containsExactly(1L, 2L, 3L, 4L);
        }
        node.publish("c", null, Payload.text("after")).join();
        Await.until(() -> node.backlog() == 0);
    }

    @Test
    void aClosedSessionGivesBackWhatItHadQueued() {
        RecordingTransport t = new RecordingTransport();
        t.writable = false;
        t.session = node.newSession(t);
        node.subscribe(t.session, "c", null).join();
        node.publish("c", null, Payload.text("a")).join();
        node.publish("c", null, Payload.text("b")).join();
        Await.until(() -> node.backlog() == 3);
        // the notice (64 bytes as queued) and two publications of 1 byte (97 bytes each as queued)
        assertThat(node.backlogBytes()).isEqualTo(64 + 2 * (1 + 96));
        t.session.disconnect(io.herald.core.Disconnect.SLOW);
        Await.until(() -> node.backlog() == 0);
        assertThat(node.backlogBytes()).isZero();
    }
}
