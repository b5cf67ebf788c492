package io.herald.bench.jmh;

import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.sse.SseEncoder;
import io.herald.server.transport.SharedBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.util.ReferenceCountUtil;
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
 * Encoding one 64-byte publication for the wire: the SSE event (once per publication, shared by
 * every SSE subscriber), and the per-subscriber framing that follows: the HTTP chunk around the
 * shared SSE bytes (Netty's {@code HttpResponseEncoder}) and the WebSocket frame around the
 * shared payload (Netty's {@code WebSocket08FrameEncoder}), each through a pipeline as on a
 * connection, the output released. Since the shared encodings, the per-subscriber part is a view of
 * bytes encoded once per publication ({@code sharedBytesPerSubscriber}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class EncodingBenchmark {
    private Payload payload;
    private byte[] sseEvent;
    private long offset;
    private EmbeddedChannel http;
    private EmbeddedChannel ws;
    private EmbeddedChannel plain;
    private ByteBuf sharedChunk;
    private ByteBuf sharedFrame;

    @Setup(Level.Trial)
    public void setUp() {
        payload = Payload.text("0 42 1732190000123456 " + "x".repeat(42));
        sseEvent = new Publication("bench", 1, "k3x9ab", "message", payload, 0).encoded(SseEncoder.EVENT);
        http = new EmbeddedChannel(new HttpResponseEncoder());
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        http.writeOutbound(head);
        drain(http);
        ws = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        plain = new EmbeddedChannel();
        sharedChunk = SharedBytes.chunk(sseEvent);
        sharedFrame = SharedBytes.frame(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(
                io.netty.buffer.Unpooled.wrappedBuffer(payload.bytes())));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        http.finishAndReleaseAll();
        ws.finishAndReleaseAll();
        plain.finishAndReleaseAll();
    }

    /** The SSE event of a new publication: computed once per publication, then shared. */
    @Benchmark
    public byte[] sseEventPerPublication() {
        return new Publication("bench", ++offset, "k3x9ab", "message", payload, 0).encoded(SseEncoder.EVENT);
    }

    /** Per SSE subscriber: the shared event bytes wrapped and chunk-encoded. */
    @Benchmark
    public int sseChunkPerSubscriber() {
        http.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(sseEvent)));
        return drain(http);
    }

    /** Per WebSocket subscriber: the shared payload wrapped in a text frame and frame-encoded. */
    @Benchmark
    public int webSocketFramePerSubscriber() {
        ws.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload.bytes())));
        return drain(ws);
    }

    /** Per SSE or WebSocket subscriber since the shared encodings: a view of the whole chunk or frame, encoded once per publication. */
    @Benchmark
    public int sharedBytesPerSubscriber() {
        plain.writeOutbound(SharedBytes.view(sharedChunk));
        return drain(plain);
    }

    /** The whole HTTP chunk of a new publication's SSE event, in shared direct memory (once per publication). */
    @Benchmark
    public ByteBuf sseSharedChunkPerPublication() {
        return SharedBytes.chunk(sseEvent);
    }

    private static int drain(EmbeddedChannel channel) {
        int bytes = 0;
        Object out;
        while ((out = channel.readOutbound()) != null) {
            if (out instanceof ByteBuf b) {
                bytes += b.readableBytes();
            }
            ReferenceCountUtil.release(out);
        }
        return bytes;
    }
}
