package io.herald.server.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Payload;
import io.herald.core.Publication;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopesTest {

    @Test
    void embedsJsonPayloadNumbersExactly() {
        Publication p = new Publication("c", 1, "e", "message",
                Payload.json("{\"x\": [1, 2.50, 1e400, 0.1000000000000000055511151231257827, 123456789012345678901234567890]}"), 7);
        assertThat(new String(p.encoded(Envelopes.ENVELOPE), StandardCharsets.UTF_8)).isEqualTo(
                "{\"channel\":\"c\",\"id\":\"e-1\",\"offset\":1,\"epoch\":\"e\",\"event\":\"message\","
                        + "\"data\":{\"x\":[1,2.50,1E+400,0.1000000000000000055511151231257827,123456789012345678901234567890]},"
                        + "\"time\":7}");
    }

    @Test
    void aKeyFollowsTheEventAndOnlyAConflatedCopySaysConflatedInItsOwnBytes() {
        Publication p = new Publication("t:q", 9, "e", "quote", Payload.json("{\"p\":1}"), 7, "AAPL");
        byte[] shared = p.encoded(Envelopes.ENVELOPE);
        assertThat(new String(shared, StandardCharsets.UTF_8)).isEqualTo(
                "{\"channel\":\"t:q\",\"id\":\"e-9\",\"offset\":9,\"epoch\":\"e\",\"event\":\"quote\",\"key\":\"AAPL\","
                        + "\"data\":{\"p\":1},\"time\":7}");
        Publication copy = p.conflated(3);
        assertThat(new String(copy.encoded(Envelopes.ENVELOPE), StandardCharsets.UTF_8)).isEqualTo(
                "{\"channel\":\"t:q\",\"id\":\"e-9\",\"offset\":9,\"epoch\":\"e\",\"event\":\"quote\",\"key\":\"AAPL\","
                        + "\"data\":{\"p\":1},\"time\":7,\"conflated\":3}");
        // the publication's own encoding is untouched and still shared
        assertThat(p.encoded(Envelopes.ENVELOPE)).isSameAs(shared);
        assertThat(new String(new Publication("t:q", 1, "e", "message", Payload.text("x"), 7).encoded(Envelopes.ENVELOPE),
                StandardCharsets.UTF_8)).doesNotContain("key").doesNotContain("conflated");
    }
}
