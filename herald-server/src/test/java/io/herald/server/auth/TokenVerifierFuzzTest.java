package io.herald.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.auth.Principal;
import io.herald.server.testing.TestKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the token verifier (docs/security.md, "Fuzzing"): any text as a token gives a principal or a
 * {@link HeraldException} {@code unauthorized}/{@code token_expired}, never another exception. The
 * second target signs what the fuzzer writes as header and payload JSON with the configured HMAC
 * key, so the fuzzer reaches the claims' parsing and typing behind the signature check.
 * Without {@code JAZZER_FUZZ} the committed inputs under {@code TokenVerifierFuzzTestInputs} run as
 * a regression test.
 */
class TokenVerifierFuzzTest {
    /** A fixed 64-byte secret: the signed target needs the same key in every run. */
    private static final byte[] SECRET = "fuzz-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123".getBytes();
    private static final TokenVerifier VERIFIER = load();

    private static TokenVerifier load() {
        try {
            Path dir = Files.createTempDirectory("herald-fuzz");
            Path secret = Files.write(dir.resolve("k1.secret"), SECRET);
            dir.toFile().deleteOnExit();
            secret.toFile().deleteOnExit();
            TokenVerifier v = TokenVerifier.load(AuthConfig.builder()
                    .keys(List.of(new AuthConfig.KeySpec("k1", "HS256", secret, "", null),
                            new AuthConfig.KeySpec("", "HS512", null, "FUZZ_SECRET", null)))
                    .audience("herald").build(), Map.of("FUZZ_SECRET", new String(SECRET) + new String(SECRET)));
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(java.util.function.Supplier<Principal> verify) {
        try {
            Principal p = verify.get();
            assertThat(p.subject()).isNotNull();
        } catch (HeraldException e) {
            assertThat(e.code()).isIn(ErrorCode.UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void anyTextAsAToken(FuzzedDataProvider data) {
        String token = data.consumeRemainingAsString();
        check(() -> VERIFIER.verify(token));
    }

    @FuzzTest(maxDuration = "2m")
    void anySignedHeaderAndPayload(FuzzedDataProvider data) {
        String header = data.consumeString(400);
        String payload = data.consumeRemainingAsString();
        String token = TestKeys.raw(header, payload, TestKeys.hs256(SECRET));
        check(() -> VERIFIER.verify(token));
        check(() -> VERIFIER.verifyTicket(token, "doc:1"));
    }
}
