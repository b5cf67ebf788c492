package io.herald.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fuzzes the WebSocket command parser (docs/protocol.md, "WebSocket protocol"; docs/security.md, "Fuzzing"):
 * any bytes as a text message give a {@link Command} (whose envelope check passes or fails with
 * {@code invalid_command}) or {@code invalid_command}, never another exception. Without
 * {@code JAZZER_FUZZ} the committed inputs under {@code CommandFuzzTestInputs} run as a regression test.
 */
class CommandFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyTextAsACommand(byte[] bytes) {
        ByteBuf content = Unpooled.wrappedBuffer(bytes);
        try {
            Command c = Command.parse(content);
            assertThat(c.fields()).isNotNull();
            c.check();
        } catch (HeraldException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_COMMAND);
        } finally {
            content.release();
        }
    }
}
