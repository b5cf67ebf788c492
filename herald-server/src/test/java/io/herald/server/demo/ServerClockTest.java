package io.herald.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerClockTest {

    @Test
    void payloadHasMillisAndIsoInstant() {
        assertThat(ServerClock.payload(1_732_190_000_123L))
                .isEqualTo("{\"time\":1732190000123,\"iso\":\"2024-11-21T11:53:20.123Z\"}");
    }

    @Test
    void delayToTheNextWholeSecond() {
        assertThat(ServerClock.millisToNextSecond(5_000)).isEqualTo(1000);
        assertThat(ServerClock.millisToNextSecond(5_001)).isEqualTo(999);
        assertThat(ServerClock.millisToNextSecond(5_999)).isEqualTo(1);
    }
}
