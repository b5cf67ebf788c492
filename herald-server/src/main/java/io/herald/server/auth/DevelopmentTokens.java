package io.herald.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.core.Names;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mints development tokens ({@code herald token}, docs/configuration.md "Command line") with a
 * configured HMAC key: a JWS (RFC 7515) of the key's algorithm and {@code kid}, with the claims
 * {@code sub}, {@code iat}, {@code exp} (RFC 7519 section 4.1), the configured {@code aud} and
 * {@code iss}, optional {@code grants} and {@code channel} (docs/security.md, "Tokens"). Only HS keys
 * can mint: for RS, PS, ES and EdDSA keys Herald holds the public key only. Stateless.
 */
public final class DevelopmentTokens {
    private DevelopmentTokens() {
    }

    /**
     * A signed compact JWT.
     *
     * @param config  the access-control settings whose {@code auth.keys} hold the key
     * @param env     where {@code secret-env} points
     * @param kid     the key to sign with, or null for the first HS key
     * @param sub     the {@code sub} claim, not empty
     * @param ttl     from now to {@code exp}, {@code > 0}
     * @param grants  {@code ACTION=PATTERN} items (action subscribe, publish or history; a pattern is a
     *                channel name, optionally ending in {@code *})
     * @param channel a channel for a subscription token, or null
     * @param clock   the clock of {@code iat} and {@code exp}
     * @throws IllegalArgumentException one line saying what is wrong: no HS key, a key that cannot mint,
     *                                  a bad grant or channel, an unreadable secret
     */
    public static String mint(AuthConfig config, Map<String, String> env, String kid, String sub, Duration ttl,
                              List<String> grants, String channel, Clock clock) {
        if (sub == null || sub.isEmpty()) {
            throw new IllegalArgumentException("--sub: a user id is needed");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("--ttl: " + ttl + " (expected: > 0)");
        }
        if (channel != null && !Names.isChannel(channel)) {
            throw new IllegalArgumentException("--channel: \"" + channel + "\" is not a channel name");
        }
        int index = -1;
        for (int i = 0; i < config.keys().size(); i++) {
            AuthConfig.KeySpec k = config.keys().get(i);
            if (kid == null ? k.alg().startsWith("HS") : k.kid().equals(kid)) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException(kid == null
                    ? "no HS256/HS384/HS512 key in auth.keys: herald token signs with an HMAC secret (RS, PS, ES and EdDSA "
                    + "tokens are signed by whoever holds the private key)"
                    : "--kid: no key \"" + kid + "\" in auth.keys");
        }
        AuthConfig.KeySpec spec = config.keys().get(index);
        String at = "auth.keys[" + index + "]";
        if (!spec.alg().startsWith("HS")) {
            throw new IllegalArgumentException(at + " (kid \"" + spec.kid() + "\") is " + spec.alg()
                    + ": Herald has only its public key and cannot sign; mint with the private key's holder, or pick an HS key");
        }
        JWSAlgorithm alg = JWSAlgorithm.parse(spec.alg());
        byte[] secret = TokenVerifier.hmacSecret(at, spec, alg, env);
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (!config.audience().isEmpty()) {
            claims.audience(config.audience());
        }
        if (!config.issuer().isEmpty()) {
            claims.issuer(config.issuer());
        }
        Map<String, List<String>> grantLists = new LinkedHashMap<>();
        for (String g : grants) {
            int eq = g.indexOf('=');
            String action = eq < 0 ? "" : g.substring(0, eq);
            String pattern = eq < 0 ? "" : g.substring(eq + 1);
            if (!List.of("subscribe", "publish", "history").contains(action) || !TokenVerifier.validPattern(pattern)) {
                throw new IllegalArgumentException("--grant: \"" + g + "\" (expected: subscribe|publish|history=PATTERN, "
                        + "a channel name optionally ending in *, e.g. subscribe=chat:*)");
            }
            grantLists.computeIfAbsent(action, a -> new ArrayList<>()).add(pattern);
        }
        if (!grantLists.isEmpty()) {
            claims.claim("grants", grantLists);
        }
        if (channel != null) {
            claims.claim("channel", channel);
        }
        JWSHeader.Builder header = new JWSHeader.Builder(alg);
        if (!spec.kid().isEmpty()) {
            header.keyID(spec.kid());
        }
        try {
            SignedJWT jwt = new SignedJWT(header.build(), claims.build());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }
}
