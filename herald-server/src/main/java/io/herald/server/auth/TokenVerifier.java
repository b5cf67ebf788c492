package io.herald.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.auth.Grants;
import io.herald.core.auth.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies the tokens clients present: JWS compact serialization (RFC 7515, section 7.1) carrying JWT
 * claims (RFC 7519), with nimbus-jose-jwt. The algorithm is never taken from the token (RFC 8725,
 * section 3.1): each configured key fixes its one algorithm (RFC 7518 section 3.1: HS256/384/512,
 * RS256/384/512, PS256/384/512, ES256/384/512; RFC 8037: EdDSA with Ed25519), a token's header
 * {@code alg} must equal it, and {@code none} in any spelling, another algorithm (HS/RS key confusion)
 * or an unknown {@code kid} is refused. A header that carries or points at a key ({@code jwk},
 * {@code jku}, {@code x5u}, {@code x5c}, RFC 7515 section 4.1.2-4.1.6) or has {@code crit} (section
 * 4.1.11) is refused; nothing is ever fetched from a token. Claims are typed strictly (RFC 7519
 * section 4.1; docs/security.md, "Tokens").
 *
 * <p>Keys come from {@code auth.keys} (read once, at load) and, with {@code auth.jwks-url}, from a JWK
 * Set (RFC 7517) that {@link JwksKeys} fetches and refreshes on its own thread: a verification never
 * blocks, and a token whose {@code kid} the JWK Set does not have (yet) is refused at once while a
 * refetch, rate-limited, runs in the background.
 *
 * <p>Thread-safe; a verification costs one signature check (microseconds for HMAC, tens of them for
 * RSA and EdDSA), so it runs on the event loop. It happens on connect, subscribe and refresh, never
 * per delivery. {@link #close()} stops the JWK Set's thread (a no-op without one).
 */
public final class TokenVerifier implements AutoCloseable {
    /** The longest token accepted, in characters, checked before parsing (docs/security.md, "Limits"). */
    public static final int MAX_TOKEN_CHARS = 8192;
    private static final Set<String> GRANT_ACTIONS = Set.of("subscribe", "publish", "history");

    /** A verification key: its kid, the algorithms it verifies (one for a configured key) and its verifier. */
    record Key(String kid, Set<JWSAlgorithm> algs, JWSVerifier verifier) {
    }

    /** What a verification yields: the principal and the token's {@code iat} (null without one). */
    private record Verified(Principal principal, Instant issuedAt) {
    }

    private final Map<String, Key> keys;
    private final JwksKeys jwks;
    private final AuthConfig config;
    private final Clock clock;

    private TokenVerifier(Map<String, Key> keys, JwksKeys jwks, AuthConfig config, Clock clock) {
        this.keys = keys;
        this.jwks = jwks;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Loads the keys of {@code config}. A JWK Set ({@code auth.jwks-url}) is not fetched yet: see
     * {@link #start()}.
     *
     * @throws IllegalArgumentException {@code "auth.keys[i]: problem"} for a key that cannot be read or
     *                                  used (a missing file, an HMAC secret shorter than its hash or
     *                                  that is a PEM key, a certificate or private key where a public
     *                                  key is expected, a key of another family than its algorithm)
     */
    public static TokenVerifier load(AuthConfig config, Map<String, String> env) {
        return load(config, env, Clock.systemUTC());
    }

    /** {@link #load(AuthConfig, Map)} with a clock, for tests of expiry. */
    static TokenVerifier load(AuthConfig config, Map<String, String> env, Clock clock) {
        Map<String, Key> keys = new HashMap<>();
        for (int i = 0; i < config.keys().size(); i++) {
            AuthConfig.KeySpec spec = config.keys().get(i);
            String at = "auth.keys[" + i + "]";
            JWSAlgorithm alg = JWSAlgorithm.parse(spec.alg());
            keys.put(spec.kid(), new Key(spec.kid(), Set.of(alg), verifier(at, spec, alg, env)));
        }
        JwksKeys jwks = config.jwksUrl().isEmpty() ? null : JwksKeys.create(config);
        return new TokenVerifier(Map.copyOf(keys), jwks, config, clock);
    }

    /**
     * Starts fetching the JWK Set, in the background, when {@code auth.jwks-url} is set; a no-op
     * otherwise or when started already. Loading a configuration to check it does not call this, so
     * {@code --check-config} makes no request.
     */
    public TokenVerifier start() {
        if (jwks != null) {
            jwks.start();
        }
        return this;
    }

    /** The JWK Set's keys ({@code auth.jwks-url}), or null when none is configured. */
    JwksKeys jwks() {
        return jwks;
    }

    /** Stops the JWK Set's background thread; idempotent. */
    @Override
    public void close() {
        if (jwks != null) {
            jwks.close();
        }
    }

    /**
     * The HMAC secret ({@code secret-file} or {@code secret-env}) of a configured key of {@code alg}, for
     * minting development tokens ({@code herald token}).
     *
     * @throws IllegalArgumentException as {@link #load}
     */
    static byte[] hmacSecret(String at, AuthConfig.KeySpec spec, JWSAlgorithm alg, Map<String, String> env) {
        byte[] secret = Credentials.secret(at, spec.secretFile(), "secret-file", spec.secretEnv(), "secret-env", env);
        int minBytes = alg.equals(JWSAlgorithm.HS256) ? 32 : alg.equals(JWSAlgorithm.HS384) ? 48 : 64;
        if (secret.length < minBytes) {
            throw new IllegalArgumentException(at + ": the " + alg + " secret has " + secret.length
                    + " bytes (expected: at least " + minBytes + ", RFC 7518 section 3.2)");
        }
        if (new String(secret, StandardCharsets.ISO_8859_1).contains("-----BEGIN")) {
            // Mercure's rule: a PEM key used as an HMAC secret is the key-confusion attack waiting to happen
            throw new IllegalArgumentException(at + ": the " + alg + " secret is a PEM key (expected: random bytes, "
                    + "e.g. openssl rand -hex 32; a public key goes in public-key-file with an RS, PS, ES or EdDSA alg)");
        }
        return secret;
    }

    private static JWSVerifier verifier(String at, AuthConfig.KeySpec spec, JWSAlgorithm alg, Map<String, String> env) {
        try {
            if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
                return new MACVerifier(hmacSecret(at, spec, alg, env));
            }
            PublicKey key = publicKey(at, spec);
            if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAPublicKey rsa) {
                if (rsa.getModulus().bitLength() < 2048) {
                    throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile() + " holds a "
                            + rsa.getModulus().bitLength() + "-bit RSA key (expected: at least 2048 bits, RFC 7518 section 3.3)");
                }
                return new RSASSAVerifier(rsa);
            }
            if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECPublicKey ec) {
                JWSAlgorithm curveAlg = ECDSA.resolveAlgorithm(ec);
                if (!curveAlg.equals(alg)) {
                    throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile()
                            + " holds an EC key of the curve of " + curveAlg + ", not of " + alg + " (RFC 7518 section 3.4)");
                }
                return new ECDSAVerifier(ec);
            }
            if (JWSAlgorithm.EdDSA.equals(alg) && key.getAlgorithm().startsWith("Ed")) {
                return ed25519Verifier(at, spec, key);
            }
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile() + " holds a "
                    + key.getAlgorithm() + " key, which " + alg + " cannot use");
        } catch (JOSEException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    /**
     * nimbus's Ed25519 verifier (on Tink) for a JDK Ed25519 public key: its X.509 encoding is a fixed
     * 12-byte prefix and the 32-byte public key {@code x} of RFC 8037 section 2.
     */
    private static JWSVerifier ed25519Verifier(String at, AuthConfig.KeySpec spec, PublicKey key) throws JOSEException {
        byte[] der = key.getEncoded();
        if (der.length != 44 || !key.getAlgorithm().matches("EdDSA|Ed25519")
                || !((java.security.interfaces.EdECPublicKey) key).getParams().getName().equals("Ed25519")) {
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile()
                    + " holds an Ed448 key (expected: Ed25519, the one curve of EdDSA here, RFC 8037)");
        }
        byte[] x = java.util.Arrays.copyOfRange(der, 12, 44);
        return new Ed25519Verifier(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).build());
    }

    /** An X.509 {@code SubjectPublicKeyInfo} PEM ({@code -----BEGIN PUBLIC KEY-----}). */
    private static PublicKey publicKey(String at, AuthConfig.KeySpec spec) {
        String pem;
        try {
            pem = Files.readString(spec.publicKeyFile(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile() + " cannot be read ("
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
        }
        int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin || pem.contains("PRIVATE KEY-----") || pem.contains("-----BEGIN CERTIFICATE")) {
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile()
                    + " is not a PEM public key (-----BEGIN PUBLIC KEY-----; a certificate or private key is refused)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile() + " is not valid base64");
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (Exception ignored) {
                // try the next family
            }
        }
        throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile()
                + " holds no RSA, EC or Ed25519 public key");
    }

    /**
     * Verifies a token and returns who it names.
     *
     * @param token the compact JWS ({@code header.payload.signature}, base64url, RFC 7515 section 7.1),
     *              at most {@link #MAX_TOKEN_CHARS} characters
     * @return a {@link Principal.Kind#USER} principal; a subscription token when it has a {@code channel}
     * @throws HeraldException {@code token_expired} when it verifies but {@code exp} has passed (beyond the
     *                         clock skew); {@code unauthorized} for anything else wrong with it. Never
     *                         another exception, whatever the input (fuzzed: TokenVerifierFuzzTest).
     */
    public Principal verify(String token) {
        return check(token).principal();
    }

    private Verified check(String token) {
        if (token == null || token.isEmpty()) {
            throw invalid("empty token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw invalid("token longer than " + MAX_TOKEN_CHARS + " characters");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw invalid("malformed token (expected: a signed JWT, header.payload.signature)");
        }
        JWSHeader header = jwt.getHeader();
        if (header.getJWK() != null || header.getJWKURL() != null || header.getX509CertURL() != null
                || header.getX509CertChain() != null) {
            throw invalid("the token's header carries or points at a key (jwk, jku, x5u, x5c): refused");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw invalid("the token's header has crit parameters: refused");
        }
        String kid = header.getKeyID() == null ? "" : header.getKeyID();
        Key key = keys.get(kid);
        if (key == null && jwks != null) {
            key = jwks.key(kid);
            if (key == null) {
                throw invalid(kid.isEmpty() ? "the token names no kid (a key of the JWK Set needs one)"
                        : "unknown kid (not in the configured keys nor, yet, in the JWK Set)");
            }
        }
        if (key == null) {
            throw invalid(kid.isEmpty() ? "the token names no kid and no key without one is configured" : "unknown kid");
        }
        if (!key.algs().contains(header.getAlgorithm())) {
            throw invalid("the token's alg is not the algorithm of its key");
        }
        try {
            if (!jwt.verify(key.verifier())) {
                throw invalid("bad signature");
            }
        } catch (JOSEException | RuntimeException e) {
            if (e instanceof HeraldException h) {
                throw h;
            }
            throw invalid("bad signature");
        }
        try {
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!(jwt.getPayload().toJSONObject().get("sub") instanceof String)) {
                // nimbus turns a numeric sub into text; RFC 7519 section 4.1.2 says a StringOrURI
                throw invalid("the token's sub is missing or not a string");
            }
            Date iat = claims.getIssueTime();
            return new Verified(principal(claims), iat == null ? null : iat.toInstant());
        } catch (ParseException e) {
            throw invalid("malformed claims (" + e.getMessage() + ")");
        }
    }

    /**
     * Verifies a query-string "ticket": a subscription token for {@code channel} whose lifetime
     * ({@code exp - iat}) is at most {@link AuthConfig#queryTicketMaxTtl()} (docs/security.md, "Tickets").
     *
     * @param channel the request's channel, or null for a request of several channels (which no ticket serves)
     * @throws HeraldException {@code unauthorized} when it is not such a ticket (a connection token, a
     *                         ticket of another channel, one that lives too long), {@code token_expired}
     */
    public Principal verifyTicket(String token, String channel) {
        if (!config.queryTickets()) {
            throw invalid("tokens in the query string are off (auth.query-tickets: false)");
        }
        Verified v = check(token);
        Principal p = v.principal();
        if (channel == null) {
            throw invalid("a token in the query string is for one channel (a ticket); a request of several channels"
                    + " takes its token in the Authorization header or the cookie");
        }
        if (!channel.equals(p.channel())) {
            throw invalid("a token in the query string must be a subscription token for this channel (a ticket)");
        }
        if (v.issuedAt() == null || p.expiresAt() == null
                || Duration.between(v.issuedAt(), p.expiresAt()).compareTo(config.queryTicketMaxTtl()) > 0) {
            throw invalid("a ticket must have iat and exp at most " + config.queryTicketMaxTtl().toSeconds() + " s apart");
        }
        return p;
    }

    private Principal principal(JWTClaimsSet claims) throws ParseException {
        Instant now = clock.instant();
        Duration skew = config.clockSkew();
        Date exp = claims.getExpirationTime();
        if (exp == null && config.requireExp()) {
            throw invalid("the token has no exp");
        }
        if (exp != null && exp.toInstant().plus(skew).isBefore(now)) {
            throw new HeraldException(ErrorCode.TOKEN_EXPIRED, "the token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().minus(skew).isAfter(now)) {
            throw invalid("the token is not valid yet (nbf)");
        }
        Date iat = claims.getIssueTime();
        if (iat != null && iat.toInstant().minus(skew).isAfter(now)) {
            throw invalid("the token was issued in the future (iat)");
        }
        if (!config.audience().isEmpty() && (claims.getAudience() == null || !claims.getAudience().contains(config.audience()))) {
            throw invalid("the token is not for this audience (aud)");
        }
        if (!config.issuer().isEmpty() && !config.issuer().equals(claims.getIssuer())) {
            throw invalid("the token is not from the expected issuer (iss)");
        }
        String sub = claims.getStringClaim("sub");
        if (sub == null || (sub.isEmpty() && !config.allowEmptySub())) {
            throw invalid("the token has no sub");
        }
        String channel = claims.getStringClaim("channel");
        if (channel != null && !Names.isChannel(channel)) {
            throw invalid("the token's channel is not a channel name");
        }
        return Principal.user(sub, grants(claims), channel, exp == null ? null : exp.toInstant());
    }

    private static Grants grants(JWTClaimsSet claims) throws ParseException {
        Map<String, Object> raw = claims.getJSONObjectClaim("grants");
        if (raw == null) {
            return Grants.NONE;
        }
        Map<String, List<String>> lists = new HashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!GRANT_ACTIONS.contains(e.getKey()) || !(e.getValue() instanceof List<?> items)) {
                throw invalid("grants: expected {subscribe|publish|history: [patterns]}");
            }
            List<String> patterns = new ArrayList<>();
            for (Object item : items) {
                if (!(item instanceof String pattern) || !validPattern(pattern)) {
                    throw invalid("grants." + e.getKey() + ": a pattern is a channel name, optionally ending in *");
                }
                patterns.add(pattern);
            }
            lists.put(e.getKey(), patterns);
        }
        return new Grants(lists.getOrDefault("subscribe", List.of()), lists.getOrDefault("publish", List.of()),
                lists.getOrDefault("history", List.of()));
    }

    /** Whether {@code p} is a grant pattern: a channel name, optionally ending in {@code *}, or {@code *}. */
    static boolean validPattern(String p) {
        String prefix = p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
        return prefix.isEmpty() ? p.equals("*") : prefix.length() <= 128 && prefix.chars().allMatch(
                c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_.:@-".indexOf(c) >= 0);
    }

    private static HeraldException invalid(String why) {
        return new HeraldException(ErrorCode.UNAUTHORIZED, "invalid token: " + why);
    }
}
