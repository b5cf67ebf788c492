package io.herald.bench.jmh;

import io.herald.core.Node;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.broker.MemoryBroker;
import io.herald.core.hub.Session;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core's cost of one publication to N subscribers of one channel, without any I/O:
 * {@code Node.publish} → in-memory broker (offset, history append) → {@code Hub} fan-out →
 * each {@code Subscription} (order check) → each {@code Session} (bounded queue, drain scheduling)
 * → the drains, run after the fan-out like an event loop would, writing to a no-op transport.
 * The score is per publication; divide by {@code subscribers} for the cost per subscriber.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class FanOutBenchmark {
    @Param({"1000", "10000"})
    int subscribers;

    private Node node;
    private Payload payload;

    @Setup(Level.Trial)
    public void setUp() {
        node = new Node(NodeConfig.builder().build(), new MemoryBroker());
        payload = Payload.text("0 42 1732190000123456 " + "x".repeat(42));
        for (int i = 0; i < subscribers; i++) {
            Session session = node.newSession(new NoOpTransport());
            node.subscribe(session, "bench", null).join();
        }
        NoOpTransport.runPending();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        node.close();
    }

    /** One publication fanned out to every subscriber and drained. */
    @Benchmark
    public Publication publishAndDrain() {
        Publication p = node.publish("bench", null, payload).join();
        NoOpTransport.runPending();
        return p;
    }
}
