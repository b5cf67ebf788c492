package io.herald.server.auth;

import static io.herald.server.testing.TestKeys.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.Curve;
import com.sun.net.httpserver.HttpServer;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.server.testing.TestKeys;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys from a JWK Set ({@code auth.jwks-url}, RFC 7517) served by a local HTTP server: fetched in the
 * background, rotated, never fetched on the verifying thread, not hammered by unknown {@code kid}s,
 * and only keys fitting {@code auth.jwks-algs} and their key type.
 */
class JwksKeysTest {
    @TempDir
    java.nio.file.Path dir;
    HttpServer http;
    final AtomicReference<String> served = new AtomicReference<>("{\"keys\":[]}");
    final AtomicInteger requests = new AtomicInteger();
    final KeyPair j1 = TestKeys.generate("RSA", null);
    final KeyPair j2 = TestKeys.generate("RSA", null);
    TokenVerifier verifier;

    @BeforeEach
    void serve() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/jwks.json", exchange -> {
            requests.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    @AfterEach
    void stop() {
        if (verifier != null) {
            verifier.close();
        }
        http.stop(0);
    }

    private TokenVerifier start(List<String> algs) {
        verifier = TokenVerifier.load(AuthConfig.builder().jwksUrl("http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json")
                .jwksAlgs(algs).audience("herald").build(), Map.of()).start();
        return verifier;
    }

    private static RSAKey rsa(KeyPair pair, String kid) {
        return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
    }

    private static String rs256(KeyPair pair, String kid) {
        return TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims("42").build(),
                new RSASSASigner(pair.getPrivate()));
    }

    private boolean verifies(String token) {
        try {
            verifier.verify(token);
            return true;
        } catch (HeraldException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            return false;
        }
    }

    @Test
    void keysAreFetchedInTheBackgroundAndARotatedInKeyIsFoundWithoutHammering() {
        served.set(new JWKSet(rsa(j1, "j1")).toString());
        start(List.of("RS256"));
        TestServer.await("the JWK Set's first fetch", Duration.ofSeconds(10), () -> verifier.jwks().kids().contains("j1"));
        assertThat(verifier.verify(rs256(j1, "j1")).subject()).isEqualTo("42");

        // rotation: j2 appears; the first token naming it is refused at once (nothing blocks) and asks for a refetch
        served.set(new JWKSet(List.of(rsa(j1, "j1"), rsa(j2, "j2"))).toString());
        String t2 = rs256(j2, "j2");
        TestServer.await("j2 after a background refetch", Duration.ofSeconds(10), () -> verifies(t2));
        int afterRotation = requests.get();
        assertThat(afterRotation).isLessThanOrEqualTo(2);

        // unknown kids: refused at once, and at most one refetch per 30 s reaches the key server
        KeyPair stranger = TestKeys.generate("RSA", null);
        for (int i = 0; i < 200; i++) {
            String kid = "unknown-" + i;
            assertThat(verifies(rs256(stranger, kid))).isFalse();
        }
        // a new request, if one slipped through, would be one; let the background thread run what was asked
        TestServer.await("the refetch queue drained", Duration.ofSeconds(5), () -> !verifier.jwks().refetchPending());
        assertThat(requests.get()).as("fetches after 200 unknown kids").isLessThanOrEqualTo(afterRotation + 1);
        assertThat(verifier.verify(rs256(j1, "j1")).subject()).isEqualTo("42");
    }

    @Test
    void aVerificationNeverWaitsForTheFetch() {
        // a key server that answers in 3 s: verifying before that refuses at once rather than blocking
        http.removeContext("/jwks.json");
        http.createContext("/jwks.json", exchange -> {
            requests.incrementAndGet();
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        start(List.of("RS256"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> verifier.verify(rs256(j1, "j1"))).isInstanceOf(HeraldException.class)
                .hasMessageContaining("unknown kid");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
    }

    @Test
    void hmacKeysAndKeysOutsideTheAlgorithmListOrOfTheWrongUseAreIgnored() throws Exception {
        byte[] secret = TestKeys.bytes(32);
        KeyPair ec = TestKeys.generate("EC", new ECGenParameterSpec("secp256r1"));
        served.set(new JWKSet(List.of(
                new OctetSequenceKey.Builder(secret).keyID("h1").algorithm(JWSAlgorithm.HS256).build(),
                new RSAKey.Builder((RSAPublicKey) j1.getPublic()).keyID("enc").keyUse(KeyUse.ENCRYPTION).build(),
                new RSAKey.Builder((RSAPublicKey) j2.getPublic()).keyID("ps").algorithm(JWSAlgorithm.PS256).build(),
                new RSAKey.Builder((RSAPublicKey) j2.getPublic()).keyID("ok").build(),
                new ECKey.Builder(Curve.P_256, (ECPublicKey) ec.getPublic()).keyID("e1").build())).toString(false));
        start(List.of("RS256", "ES256"));
        TestServer.await("the JWK Set's first fetch", Duration.ofSeconds(10), () -> verifier.jwks().kids().contains("ok"));
        assertThat(verifier.jwks().kids()).containsExactlyInAnyOrder("ok", "e1");
        assertThat(verifies(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("h1").build(), claims("42").build(),
                new MACSigner(secret)))).as("an HMAC key from a JWK Set").isFalse();
        assertThat(verifies(rs256(j1, "enc"))).as("an encryption key").isFalse();
        assertThat(verifies(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("ps").build(), claims("42").build(),
                new RSASSASigner(j2.getPrivate())))).as("PS256 is not in jwks-algs").isFalse();
        assertThat(verifies(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("ok").build(), claims("42").build(),
                new RSASSASigner(j2.getPrivate())))).as("PS256 with an RSA key without alg: not in jwks-algs").isFalse();
        assertThat(verifies(rs256(j2, "ok"))).isTrue();
        assertThat(verifies(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(), claims("42").build(),
                new com.nimbusds.jose.crypto.ECDSASigner((java.security.interfaces.ECPrivateKey) ec.getPrivate())))).isTrue();
        assertThat(verifies(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("e1").build(), claims("42").build(),
                new RSASSASigner(j2.getPrivate())))).as("RS256 under an EC key's kid").isFalse();
    }

    @Test
    void anEd25519KeyOfAJwkSetVerifiesEdDsaTokens() {
        KeyPair ed = TestKeys.generate("Ed25519", null);
        // the OKP JWK has no kid: give it one
        served.set("{\"keys\":[" + TestKeys.okp(ed).toPublicJWK().toJSONString().replace("{", "{\"kid\":\"d9\",") + "]}");
        start(List.of("EdDSA"));
        TestServer.await("the JWK Set's first fetch", Duration.ofSeconds(10), () -> verifier.jwks().kids().contains("d9"));
        try {
            assertThat(verifier.verify(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("d9").build(),
                    claims("5").build(), new com.nimbusds.jose.crypto.Ed25519Signer(TestKeys.okp(ed)))).subject()).isEqualTo("5");
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
