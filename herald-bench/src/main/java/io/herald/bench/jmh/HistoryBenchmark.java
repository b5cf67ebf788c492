package io.herald.bench.jmh;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.HistoryResult;
import io.herald.core.broker.MemoryBroker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory broker's history, at its default bound of 1,000 publications per channel (full,
 * so every append also drops the oldest): appending one publication with no subscriber, and
 * reading the last 100 after a position (what a client resuming 100 behind asks for).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class HistoryBenchmark {
    private final NamespaceOptions options = NamespaceOptions.DEFAULTS;
    private MemoryBroker broker;
    private Payload payload;
    private String epoch;
    private long top;

    @Setup(Level.Trial)
    public void setUp() {
        broker = new MemoryBroker();
        payload = Payload.text("0 42 1732190000123456 " + "x".repeat(42));
        Publication last = null;
        for (int i = 0; i < options.historySize(); i++) {
            last = broker.publish("history", "message", payload, options).join();
        }
        epoch = last.epoch();
        top = last.offset();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        broker.close();
    }

    /** One publication appended to a full history (the oldest is dropped). */
    @Benchmark
    public Publication append() {
        Publication p = broker.publish("history", "message", payload, options).join();
        top = p.offset();
        return p;
    }

    /** The 100 publications after a position 100 behind the top. */
    @Benchmark
    public HistoryResult readLast100() {
        return broker.history("history", new StreamPosition(epoch, top - 100), 100, options).join();
    }
}
