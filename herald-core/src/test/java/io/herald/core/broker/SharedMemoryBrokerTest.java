package io.herald.core.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Payload;
import io.herald.core.Publication;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The shared in-memory store of in-process multi-node tests passes the broker contract, and shares. */
class SharedMemoryBrokerTest extends BrokerContractTest {
    @Override
    protected Broker newBroker() {
        return new SharedMemoryBroker().newNode();
    }

    @Test
    void twoNodesShareOneStreamPerChannelAndEachGetsWhatItSubscribed() {
        SharedMemoryBroker shared = new SharedMemoryBroker();
        Broker a = shared.newNode();
        Broker b = shared.newNode();
        List<Publication> toA = new CopyOnWriteArrayList<>();
        List<Publication> toB = new CopyOnWriteArrayList<>();
        a.start(toA::add);
        b.start(toB::add);
        try {
            b.subscribe("c").join();
            Publication first = a.publish("c", "message", Payload.text("1"), OPTIONS).join();
            Publication second = b.publish("c", "message", Payload.text("2"), OPTIONS).join();
            assertThat(second.epoch()).isEqualTo(first.epoch());
            assertThat(second.offset()).isEqualTo(2);
            assertThat(toB).containsExactly(first, second);
            assertThat(toA).as("a did not subscribe").isEmpty();
            assertThat(a.history("c", null, 10, OPTIONS).join().publications()).containsExactly(first, second);
        } finally {
            a.close();
            b.close();
        }
    }
}
