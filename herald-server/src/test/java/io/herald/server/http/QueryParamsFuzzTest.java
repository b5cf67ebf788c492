package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.StreamPosition;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Fuzzes what a request's URI feeds Herald (docs/protocol.md; docs/security.md, "Fuzzing"): stream
 * positions ({@link StreamPosition#parse}: a position that parses writes back as the same id, or
 * {@code invalid_since}) and query parameters ({@link QueryParams}: integers in range or
 * {@code invalid_parameter}, positions or {@code invalid_since}), never another exception. Without
 * {@code JAZZER_FUZZ} the committed inputs under {@code QueryParamsFuzzTestInputs} run as a
 * regression test.
 */
class QueryParamsFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyTextAsAStreamPosition(FuzzedDataProvider data) {
        String id = data.consumeRemainingAsString();
        try {
            StreamPosition p = StreamPosition.parse(id);
            assertThat(p.offset()).isNotNegative();
            assertThat(StreamPosition.parse(p.id())).isEqualTo(p);
        } catch (HeraldException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SINCE);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void anyUriAsQueryParameters(FuzzedDataProvider data) {
        int min = data.consumeInt(-1000, 1000);
        String uri = data.consumeRemainingAsString();
        QueryParams params;
        try {
            params = new QueryParams(new QueryStringDecoder(uri));
            params.get("since");
        } catch (IllegalArgumentException e) {
            return; // the decoder's refusal of a malformed %-escape: the router answers 400 (RouterTest)
        }
        try {
            int v = params.intParam("limit", min, min, min + 100);
            assertThat(v).isBetween(min, min + 100);
        } catch (HeraldException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER);
        }
        try {
            params.position("since");
        } catch (HeraldException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SINCE);
        }
    }
}
