package io.herald.server.auth;

import static io.herald.server.testing.TestKeys.b64;
import static io.herald.server.testing.TestKeys.claims;
import static io.herald.server.testing.TestKeys.hs256;
import static io.herald.server.testing.TestKeys.payload;
import static io.herald.server.testing.TestKeys.raw;
import static io.herald.server.testing.TestKeys.rs256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.auth.Principal;
import io.herald.server.testing.TestKeys;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hostile-token cases of docs/security.md (design cases 1-9 and the token parts of 30) at the
 * verifier: real keys in real files, real nimbus-signed tokens, and hand-built compact strings for
 * what nimbus would not sign. Each refusal is {@code unauthorized} (or {@code token_expired}) and
 * never another exception.
 */
class TokenVerifierTest {
    @TempDir
    Path dir;
    TestKeys keys;
    TokenVerifier verifier;

    @BeforeEach
    void keys() {
        keys = TestKeys.create(dir);
        verifier = TokenVerifier.load(config().build(), Map.of());
    }

    private AuthConfig.Builder config() {
        return AuthConfig.builder().keys(keys.keySpecs()).audience("herald").issuer("test");
    }

    private void refused(String token) {
        refused(verifier, token, ErrorCode.UNAUTHORIZED);
    }

    private static void refused(TokenVerifier v, String token, ErrorCode code) {
        assertThatThrownBy(() -> v.verify(token)).isInstanceOfSatisfying(HeraldException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    // ---- what must pass

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"k1", "r1", "e1", "d1"})
    void aTokenOfEachConfiguredKeyVerifies(String kid) {
        String token = keys.token(kid, claims("42").claim("grants", Map.of("subscribe", List.of("chat:*"))).build());
        Principal p = verifier.verify(token);
        assertThat(p.kind()).isEqualTo(Principal.Kind.USER);
        assertThat(p.subject()).isEqualTo("42");
        assertThat(p.grants().allows(io.herald.core.auth.Action.SUBSCRIBE, "chat:a")).isTrue();
        assertThat(p.grants().allows(io.herald.core.auth.Action.PUBLISH, "chat:a")).isFalse();
    }

    @Test
    void eddsaIsEd25519VerifiedWithTheJdkKeyPairAndRefusedWithAnother() {
        KeyPair other = TestKeys.generate("Ed25519", null);
        String forged = TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("d1").build(), claims("42").build(),
                signer(() -> new com.nimbusds.jose.crypto.Ed25519Signer(TestKeys.okp(other))));
        refused(forged);
        assertThat(verifier.verify(keys.token("d1", claims("7").build())).subject()).isEqualTo("7");
    }

    // ---- case 1: another key

    @Test
    void aTokenSignedWithAnotherHmacKeyIsRefused() {
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims("42").build(),
                signer(() -> new MACSigner(TestKeys.bytes(32)))));
    }

    @Test
    void aTokenSignedByAnotherRsaKeyUnderKidR1IsRefused() {
        KeyPair other = TestKeys.generate("RSA", null);
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").build(), claims("42").build(),
                signer(() -> new RSASSASigner(other.getPrivate()))));
    }

    // ---- case 2: alg none in any spelling

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void algNoneWithAnEmptySignatureIsRefused(String none) {
        refused(raw("{\"alg\":\"" + none + "\",\"kid\":\"k1\"}", payload(""), null));
        refused(raw("{\"alg\":\"" + none + "\"}", payload(""), null));
        refused(raw("{\"alg\":\"" + none + "\",\"typ\":\"JWT\"}", payload(""), null).replaceAll("\\.$", ""));
    }

    // ---- case 3: HS/RS key confusion

    @Test
    void hs256MacedWithTheBytesOfTheRsaPublicKeyPemOrDerIsRefused() throws Exception {
        byte[] pem = Files.readAllBytes(keys.rsaPem);
        byte[] der = keys.rsa.getPublic().getEncoded();
        for (byte[] macKey : List.of(pem, der)) {
            refused(raw("{\"alg\":\"HS256\",\"kid\":\"r1\"}", payload(""), hs256(macKey)));
            refused(raw("{\"alg\":\"HS256\",\"kid\":\"r1\",\"typ\":\"JWT\"}", payload(""), hs256(macKey)));
        }
        // and an RS256 token under the HMAC key's kid
        refused(raw("{\"alg\":\"RS256\",\"kid\":\"k1\"}", payload(""), rs256(keys.rsa.getPrivate())));
    }

    // ---- case 4: keys in the header; nothing fetched

    @Test
    void aJwkJkuX5uOrX5cHeaderIsRefusedAndNothingIsFetched() throws Exception {
        KeyPair attacker = TestKeys.generate("RSA", null);
        RSAKey attackerJwk = new RSAKey.Builder((java.security.interfaces.RSAPublicKey) attacker.getPublic()).keyID("r1").build();
        try (ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI url = URI.create("http://127.0.0.1:" + trap.getLocalPort() + "/keys");
            List<JWSHeader> headers = List.of(
                    new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").jwk(attackerJwk).build(),
                    new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").jwkURL(url).build(),
                    new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").x509CertURL(url).build(),
                    new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").x509CertChain(List.of(Base64.encode(new byte[]{1, 2, 3}))).build(),
                    new JWSHeader.Builder(JWSAlgorithm.RS256).jwkURL(url).build());
            for (JWSHeader h : headers) {
                refused(TestKeys.sign(h, claims("42").build(), signer(() -> new RSASSASigner(attacker.getPrivate()))));
            }
            // even signed by the right key, a header pointing at a key is refused
            refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").jwkURL(url).build(),
                    claims("42").build(), keys.signer("k1")));
            trap.setSoTimeout(200);
            assertThatThrownBy(trap::accept).as("no connection to the jku/x5u URL").isInstanceOf(SocketTimeoutException.class);
        }
    }

    // ---- case 5: kid games

    @ParameterizedTest(name = "[{index}] kid \"{0}\"")
    @ValueSource(strings = {"../../../../dev/null", "' OR 1=1--", "unknown", "K1", "k1 ", "", "r1\u0000"})
    void aKidThatNamesNoConfiguredKeyIsRefused(String kid) {
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"" + kid.replace("\u0000", "\\u0000") + "\"}", payload(""),
                hs256(keys.hmacSecret)));
    }

    @Test
    void aTenThousandCharacterKidIsRefusedAndTheVerifierStillWorks() {
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"" + "a".repeat(10_000) + "\"}", payload(""), hs256(keys.hmacSecret)));
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"" + "a".repeat(5_000) + "\"}", payload(""), hs256(keys.hmacSecret)));
        assertThat(verifier.verify(keys.token("k1", claims("42").build())).subject()).isEqualTo("42");
    }

    // ---- case 6: tampering and malformed structure

    @Test
    void aPayloadChangedUnderItsOldSignatureIsRefused() {
        String token = keys.token("r1", claims("42").build());
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + b64(payload("").replace("\"sub\":\"42\"", "\"sub\":\"1\"")) + "." + parts[2];
        refused(forged);
        String hsToken = keys.token("k1", claims("42").build());
        String[] hs = hsToken.split("\\.");
        refused(hs[0] + "." + b64(payload("\"grants\":{\"publish\":[\"*\"]}")) + "." + hs[2]);
    }

    @Test
    void aStrippedSignatureAndWrongSegmentCountsAreRefused() {
        String token = keys.token("k1", claims("42").build());
        String[] p = token.split("\\.");
        refused(p[0] + "." + p[1] + ".");
        refused(p[0] + "." + p[1]);
        refused(p[0] + "." + p[1] + "." + p[2] + "." + p[2]);
        refused(p[0] + "." + p[1] + "." + p[2] + ".");
        refused("." + p[1] + "." + p[2]);
        refused(p[0] + ".." + p[2]);
        refused("...");
        refused("");
        refused(null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"!!!.@@@.###", "eyJ.eyJ.abc", "a b.c d.e f", "e30.e30.", "bnVsbA.bnVsbA.AA", "W10.W10.AA", "IiI.IiI.AA"})
    void nonBase64OrNonObjectSegmentsAreRefused(String token) {
        refused(token);
    }

    @Test
    void duplicateSubKeysInThePayloadAreRefused() {
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}", payload("\"sub\":\"1\""), hs256(keys.hmacSecret)));
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"k1\",\"kid\":\"r1\"}", payload(""), hs256(keys.hmacSecret)));
    }

    // ---- case 7: claim types

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":\"9999999999\"}",
            "{\"sub\":42,\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"grants\":\"chat:*\"}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"grants\":{\"subscribe\":\"chat:*\"}}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"grants\":{\"admin\":[\"*\"]}}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"grants\":{\"publish\":[\"a b\"]}}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"grants\":{\"publish\":[1]}}",
            "{\"sub\":\"42\",\"aud\":[\"other\"],\"iss\":\"test\",\"exp\":9999999999}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"channel\":\"no spaces\"}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"channel\":7}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999,\"nbf\":\"soon\"}",
            "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":[\"test\"],\"exp\":9999999999}",
            "{\"sub\":\"\",\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999}",
            "{\"aud\":\"herald\",\"iss\":\"test\",\"exp\":9999999999}",
            "[1,2]",
            "null",
    })
    void claimsOfTheWrongTypeAreRefused(String payload) {
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}", payload, hs256(keys.hmacSecret)));
    }

    @Test
    void anAudienceListNamingHeraldIsAccepted() {
        String token = raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}",
                "{\"sub\":\"42\",\"aud\":[\"x\",\"herald\"],\"iss\":\"test\",\"exp\":9999999999}", hs256(keys.hmacSecret));
        assertThat(verifier.verify(token).subject()).isEqualTo("42");
    }

    // ---- case 8: time

    @Test
    void anExpiredTokenIsTokenExpiredAndOneWithinTheSkewStillPasses() {
        Instant now = Instant.now();
        refused(verifier, keys.token("k1", claims("42").expirationTime(Date.from(now.minusSeconds(120))).build()),
                ErrorCode.TOKEN_EXPIRED);
        assertThat(verifier.verify(keys.token("k1", claims("42").expirationTime(Date.from(now.minusSeconds(10))).build())))
                .as("10 s late, inside the 30 s clock skew").isNotNull();
        // an expired token that is also forged is unauthorized, not token_expired: the signature comes first
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
                claims("42").expirationTime(Date.from(now.minusSeconds(120))).build(), signer(() -> new MACSigner(TestKeys.bytes(32)))));
    }

    @Test
    void noExpWithRequireExpAndAFutureNbfOrIatAreRefused() {
        Instant later = Instant.now().plusSeconds(600);
        refused(keys.token("k1", claims("42").expirationTime(null).build()));
        refused(keys.token("k1", claims("42").notBeforeTime(Date.from(later)).build()));
        refused(keys.token("k1", claims("42").issueTime(Date.from(later)).expirationTime(Date.from(later.plusSeconds(60))).build()));
        TokenVerifier lenient = TokenVerifier.load(config().requireExp(false).build(), Map.of());
        assertThat(lenient.verify(keys.token("k1", claims("42").expirationTime(null).build())).expiresAt()).isNull();
    }

    // ---- case 9: audience and issuer

    @Test
    void aWrongOrMissingAudienceOrAWrongIssuerIsRefused() {
        refused(keys.token("k1", claims("42").audience("other").build()));
        refused(keys.token("k1", claims("42").audience((String) null).build()));
        refused(keys.token("k1", claims("42").issuer("evil").build()));
        refused(keys.token("k1", claims("42").issuer(null).build()));
        refused(keys.token("k1", claims("42").audience("Herald").build()));
    }

    // ---- case 30 (token parts) and crit

    @Test
    void aTokenOverEightKibIsRefusedBeforeParsing() {
        String big = keys.token("k1", claims("42").claim("pad", "x".repeat(9 * 1024)).build());
        assertThat(big.length()).isGreaterThan(TokenVerifier.MAX_TOKEN_CHARS);
        refused(big);
    }

    @Test
    void aCritHeaderIsRefused() {
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").criticalParams(Set.of("exp"))
                .customParam("exp", 1).build(), claims("42").build(), keys.signer("k1")));
        refused(raw("{\"alg\":\"HS256\",\"kid\":\"k1\",\"b64\":false,\"crit\":[\"b64\"]}", payload(""), hs256(keys.hmacSecret)));
    }

    @Test
    void anAlgorithmOtherThanTheKeysIsRefused() {
        // HS384 under the HS256 key, PS256 and RS512 under the RS256 key: each key has one algorithm
        refused(raw("{\"alg\":\"HS384\",\"kid\":\"k1\"}", payload(""), input -> {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA384");
            mac.init(new javax.crypto.spec.SecretKeySpec(keys.hmacSecret, "HmacSHA384"));
            return mac.doFinal(input);
        }));
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("r1").build(), claims("42").build(), keys.signer("r1")));
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.RS512).keyID("r1").build(), claims("42").build(), keys.signer("r1")));
        refused(TestKeys.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").type(JOSEObjectType.JOSE).build(),
                claims("42").expirationTime(Date.from(Instant.now().minusSeconds(3600))).build(), keys.signer("k1")).replace("a", "b"));
    }

    @Test
    void aSignatureOfTheWrongLengthIsRefused() {
        String token = keys.token("e1", claims("42").build());
        String cut = token.substring(0, token.lastIndexOf('.') + 1) + Base64URL.encode(new byte[63]);
        refused(cut);
        refused(token.substring(0, token.lastIndexOf('.') + 1) + Base64URL.encode(new byte[64]));
        String ed = keys.token("d1", claims("42").build());
        refused(ed.substring(0, ed.lastIndexOf('.') + 1) + Base64URL.encode(new byte[10]));
        refused(ed.substring(0, ed.lastIndexOf('.') + 1) + Base64URL.encode("x".getBytes(StandardCharsets.US_ASCII)));
    }

    // ---- tickets

    @Test
    void aTicketIsASubscriptionTokenForThatChannelThatLivesAtMostTheMaxTtl() {
        Instant now = Instant.now();
        String ticket = keys.token("k1", claims("42").claim("channel", "doc:1").expirationTime(Date.from(now.plusSeconds(100))).build());
        assertThat(verifier.verifyTicket(ticket, "doc:1").channel()).isEqualTo("doc:1");
        assertThatThrownBy(() -> verifier.verifyTicket(ticket, "doc:2")).isInstanceOf(HeraldException.class);
        String connection = keys.token("k1", claims("42").build());
        assertThatThrownBy(() -> verifier.verifyTicket(connection, "doc:1")).isInstanceOf(HeraldException.class);
        String tooLong = keys.token("k1", claims("42").claim("channel", "doc:1").expirationTime(Date.from(now.plusSeconds(600))).build());
        assertThatThrownBy(() -> verifier.verifyTicket(tooLong, "doc:1")).isInstanceOf(HeraldException.class);
        String noIat = keys.token("k1", claims("42").claim("channel", "doc:1").issueTime(null).build());
        assertThatThrownBy(() -> verifier.verifyTicket(noIat, "doc:1")).isInstanceOf(HeraldException.class);
    }

    /** A nimbus signer from a constructor that declares JOSEException. */
    interface SignerMaker {
        com.nimbusds.jose.JWSSigner make() throws Exception;
    }

    private static com.nimbusds.jose.JWSSigner signer(SignerMaker maker) {
        try {
            return maker.make();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
