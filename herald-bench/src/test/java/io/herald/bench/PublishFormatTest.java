package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PublishFormatTest {

    @Test
    void gripBodyCarriesThePayloadAsAnSseEventAndAWebSocketMessage() throws Exception {
        byte[] payload = BenchPayload.encode(2, 42, 1_732_190_000_123_456L, 64);
        JsonNode body = new ObjectMapper().readTree(Publisher.gripBody("bench-1", payload));
        JsonNode item = body.path("items").get(0);
        String text = new String(payload, StandardCharsets.US_ASCII);
        assertThat(item.path("channel").asText()).isEqualTo("bench-1");
        assertThat(item.path("formats").path("http-stream").path("content").asText())
                .isEqualTo("event: message\ndata: " + text + "\n\n");
        assertThat(item.path("formats").path("ws-message").path("content").asText()).isEqualTo(text);
    }

    @Test
    void aGripPublishUrlIsTakenAsItIs() {
        BenchConfig config = BenchConfig.builder().url("http://127.0.0.1:18082/sse/{channel}")
                .publishUrl("http://127.0.0.1:18083/publish/").publishFormat(BenchConfig.PublishFormat.GRIP).build();
        assertThat(config.publishUrl().requestTarget("c1")).isEqualTo("/publish/");
        BenchConfig raw = BenchConfig.builder().publishUrl("http://127.0.0.1:8080").build();
        assertThat(raw.publishUrl().requestTarget("c1")).isEqualTo("/pub/c1");
    }

    @Test
    void rawIsTheDefault() {
        assertThat(BenchConfig.builder().build().publishFormat()).isEqualTo(BenchConfig.PublishFormat.RAW);
        assertThat(BenchConfig.builder().build().hold()).isZero();
    }
}
