package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.LocalSubscriber;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.SubscriptionListener;
import io.herald.core.hub.Subscribed;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HeraldServerTest {

    @Test
    void embeddedPublishAndSubscribeWithoutHttp() {
        try (HeraldServer server = HeraldServer.create(cfg -> cfg.port(0)).start()) {
            List<String> got = new CopyOnWriteArrayList<>();
            AtomicReference<Disconnect> closed = new AtomicReference<>();
            Publication first = server.publish("embedded", null, Payload.text("before")).join();
            LocalSubscriber sub = server.subscribe("embedded", first.position().epoch().isEmpty() ? null
                    : new io.herald.core.StreamPosition(first.epoch(), 0), new SubscriptionListener() {
                        @Override
                        public void onPublication(Publication p) {
                            got.add(p.data().text());
                        }

                        @Override
                        public void onClosed(Disconnect reason) {
                            closed.set(reason);
                        }
                    });
            Subscribed notice = sub.subscribed().join();
            assertThat(notice.reset()).isFalse();
            assertThat(notice.recovered()).isEqualTo(1);
            server.publish("embedded", null, Payload.text("after")).join();
            TestServer.await("two publications", Duration.ofSeconds(5), () -> got.size() == 2);
            assertThat(got).containsExactly("before", "after");
            sub.close();
            TestServer.await("closed", Duration.ofSeconds(5), () -> closed.get() == Disconnect.NORMAL);
            assertThat(server.node().subscriptionCount()).isZero();
        }
    }

    @Test
    void closeIsIdempotent() {
        HeraldServer server = HeraldServer.create(cfg -> cfg.port(0)).start();
        server.close();
        server.close();
        assertThat(server.connectionCount()).isZero();
    }
}
