package io.herald.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
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
 * Verifies the tokens clients present: JWS compact serialization (RFC 7515) carrying JWT claims
 * (RFC 7519), with nimbus-jose-jwt. The algorithm is never taken from the token: each configured key
 * fixes its one algorithm, a token's header {@code alg} must equal it, and {@code none}, another
 * algorithm (HS/RS key confusion) or an unknown {@code kid} is refused. A header that carries or
 * points at a key ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) or has {@code crit} is refused;
 * nothing is ever fetched from a token. Claims are typed strictly (docs/security.md, "Tokens").
 *
 * <p>Immutable and thread-safe; a verification costs one signature check (microseconds for HMAC,
 * tens of them for RSA), so it runs on the event loop. It happens on connect, subscribe and refresh,
 * never per delivery.
 */
public final class TokenVerifier {
    /** The longest token accepted, in characters, checked before parsing. */
    public static final int MAX_TOKEN_CHARS = 8192;
    private static final Set<String> GRANT_ACTIONS = Set.of("subscribe", "publish", "history");

    private record Key(String kid, JWSAlgorithm alg, JWSVerifier verifier) {
    }

    private final Map<String, Key> keys;
    private final AuthConfig config;
    private final Clock clock;

    private TokenVerifier(Map<String, Key> keys, AuthConfig config, Clock clock) {
        this.keys = keys;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Loads the keys of {@code config}.
     *
     * @throws IllegalArgumentException {@code "auth.keys[i]: problem"} for a key that cannot be read or used
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
            keys.put(spec.kid(), new Key(spec.kid(), alg, verifier(at, spec, alg, env)));
        }
        return new TokenVerifier(Map.copyOf(keys), config, clock);
    }

    private static JWSVerifier verifier(String at, AuthConfig.KeySpec spec, JWSAlgorithm alg, Map<String, String> env) {
        try {
            if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
                byte[] secret = Credentials.secret(at, spec.secretFile(), "secret-file", spec.secretEnv(), "secret-env", env);
                int minBytes = alg.equals(JWSAlgorithm.HS256) ? 32 : alg.equals(JWSAlgorithm.HS384) ? 48 : 64;
                if (secret.length < minBytes) {
                    throw new IllegalArgumentException(at + ": the " + alg + " secret has " + secret.length
                            + " bytes (expected: at least " + minBytes + ", RFC 7518 section 3.2)");
                }
                return new MACVerifier(secret);
            }
            PublicKey key = publicKey(at, spec);
            if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAPublicKey rsa) {
                return new RSASSAVerifier(rsa);
            }
            if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECPublicKey ec) {
                return new ECDSAVerifier(ec);
            }
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile() + " holds a "
                    + key.getAlgorithm() + " key, which " + alg + " cannot use");
        } catch (JOSEException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
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
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(at + ": public-key-file " + spec.publicKeyFile()
                    + " is not a PEM public key (-----BEGIN PUBLIC KEY-----; a certificate or private key is refused)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
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
     * @param token the compact JWS
     * @return a {@link Principal.Kind#USER} principal; a subscription token when it has a {@code channel}
     * @throws HeraldException {@code token_expired} when it verifies but {@code exp} has passed (beyond the
     *                         clock skew); {@code unauthorized} for anything else wrong with it
     */
    public Principal verify(String token) {
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
        if (key == null) {
            throw invalid(kid.isEmpty() ? "the token names no kid and no key without one is configured" : "unknown kid");
        }
        if (!key.alg.equals(header.getAlgorithm())) {
            throw invalid("the token's alg is not the algorithm of its key");
        }
        try {
            if (!jwt.verify(key.verifier)) {
                throw invalid("bad signature");
            }
        } catch (JOSEException e) {
            throw invalid("bad signature");
        }
        try {
            return principal(jwt.getJWTClaimsSet());
        } catch (ParseException e) {
            throw invalid("malformed claims (" + e.getMessage() + ")");
        }
    }

    /**
     * Verifies a query-string "ticket": a subscription token for {@code channel} whose lifetime
     * ({@code exp - iat}) is at most {@link AuthConfig#queryTicketMaxTtl()}.
     *
     * @throws HeraldException {@code unauthorized} when it is not such a ticket (a connection token, a
     *                         ticket of another channel, one that lives too long), {@code token_expired}
     */
    public Principal verifyTicket(String token, String channel) {
        if (!config.queryTickets()) {
            throw invalid("tokens in the query string are off (auth.query-tickets: false)");
        }
        Principal p = verify(token);
        if (!channel.equals(p.channel())) {
            throw invalid("a token in the query string must be a subscription token for this channel (a ticket)");
        }
        Instant issued = issuedAt(token);
        if (issued == null || p.expiresAt() == null
                || Duration.between(issued, p.expiresAt()).compareTo(config.queryTicketMaxTtl()) > 0) {
            throw invalid("a ticket must have iat and exp at most " + config.queryTicketMaxTtl().toSeconds() + " s apart");
        }
        return p;
    }

    private static Instant issuedAt(String token) {
        try {
            Date iat = SignedJWT.parse(token).getJWTClaimsSet().getIssueTime();
            return iat == null ? null : iat.toInstant();
        } catch (ParseException e) {
            return null;
        }
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

    private static boolean validPattern(String p) {
        String prefix = p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
        return prefix.isEmpty() ? p.equals("*") : prefix.length() <= 128 && prefix.chars().allMatch(
                c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_.:@-".indexOf(c) >= 0);
    }

    private static HeraldException invalid(String why) {
        return new HeraldException(ErrorCode.UNAUTHORIZED, "invalid token: " + why);
    }
}
