package io.herald.server.auth;

import static io.herald.server.ConfigRules.check;
import static io.herald.server.ConfigRules.notNegative;
import static io.herald.server.ConfigRules.positive;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The access-control settings (docs/configuration.md, "Access control"; the model is
 * docs/security.md). Access control is on when at least one token key ({@link #keys}) or a JWKS URL
 * is configured; with neither it is off and Herald is open, as before (API keys, when configured,
 * still guard {@code POST /pub}). Immutable; build with {@link #builder()}.
 *
 * @param keys              the keys tokens are verified with, each fixing its algorithm
 * @param jwksUrl           a JWK Set URL (RFC 7517) to fetch verification keys from, or {@code ""}
 * @param jwksAlgs          the algorithms accepted for keys from {@link #jwksUrl}
 * @param audience          the {@code aud} a token must name, or {@code ""} for no check
 * @param issuer            the {@code iss} a token must carry, or {@code ""} for no check
 * @param requireExp        whether a token without {@code exp} is refused
 * @param clockSkew         the tolerance of time checks ({@code exp}, {@code nbf}, {@code iat}), {@code >= 0}
 * @param expiryGrace       how long a session outlives its token's expiry before it ends with 4004, {@code >= 0}
 * @param timeout           how long the WebSocket protocol waits for its {@code connect} command, {@code > 0}
 * @param queryTickets      whether a subscription token ("ticket") is accepted in {@code ?token=} on SSE and the iframe
 * @param queryTicketMaxTtl the longest lifetime ({@code exp - iat}) of a ticket, {@code > 0}
 * @param cookie            whether the {@link #cookieName} cookie carries a token (on reads, never on publish)
 * @param cookieName        the cookie's name
 * @param allowEmptySub     whether a token may have an empty {@code sub}
 * @param apiKeys           the keys servers publish (and operators administer) with
 */
public record AuthConfig(List<KeySpec> keys, String jwksUrl, List<String> jwksAlgs, String audience, String issuer,
                         boolean requireExp, Duration clockSkew, Duration expiryGrace, Duration timeout,
                         boolean queryTickets, Duration queryTicketMaxTtl, boolean cookie, String cookieName,
                         boolean allowEmptySub, List<ApiKeySpec> apiKeys) {

    /** The token algorithms Herald verifies (RFC 7518, section 3.1; RFC 8037 for EdDSA). */
    public static final Set<String> ALGORITHMS = Set.of("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
            "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");

    /** Access control off: no keys, no API keys. */
    public static final AuthConfig OFF = builder().build();

    public AuthConfig {
        keys = List.copyOf(keys);
        apiKeys = List.copyOf(apiKeys);
        jwksAlgs = List.copyOf(jwksAlgs);
        Objects.requireNonNull(jwksUrl, "jwksUrl");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(cookieName, "cookieName");
        notNegative("clockSkew", clockSkew);
        notNegative("expiryGrace", expiryGrace);
        positive("timeout", timeout);
        positive("queryTicketMaxTtl", queryTicketMaxTtl);
        for (String alg : jwksAlgs) {
            check("jwksAlgs", alg, ALGORITHMS.contains(alg) && !alg.startsWith("HS"),
                    "asymmetric algorithms among " + new java.util.TreeSet<>(ALGORITHMS));
        }
        check("jwksAlgs", jwksAlgs, jwksUrl.isEmpty() || !jwksAlgs.isEmpty(), "at least one algorithm with jwksUrl");
        check("cookieName", cookieName, cookieName.matches("[A-Za-z0-9_-]{1,64}"), "1 to 64 of A-Z a-z 0-9 _ -");
    }

    /** Whether access control is on: a token key or a JWKS URL is configured. */
    public boolean enabled() {
        return !keys.isEmpty() || !jwksUrl.isEmpty();
    }

    /**
     * One token verification key (docs/configuration.md, "Access control"). Exactly one of the
     * three sources is set: a file holding an HMAC secret, an environment variable holding one, or a
     * PEM file holding a public key (RSA, EC or Ed25519, X.509 {@code SubjectPublicKeyInfo}).
     *
     * @param kid           the key id a token's {@code kid} header names, or {@code ""} for the key used
     *                      when a token names none (at most one such key)
     * @param alg           the one algorithm it verifies, from {@link #ALGORITHMS}
     * @param secretFile    a file whose bytes (a trailing newline removed) are the HMAC secret, or null
     * @param secretEnv     an environment variable holding the HMAC secret, or {@code ""}
     * @param publicKeyFile a PEM public key file, or null
     */
    public record KeySpec(String kid, String alg, Path secretFile, String secretEnv, Path publicKeyFile) {
        public KeySpec {
            Objects.requireNonNull(kid, "kid");
            Objects.requireNonNull(alg, "alg");
            Objects.requireNonNull(secretEnv, "secretEnv");
        }
    }

    /**
     * One API key: what a server sends in {@code X-API-Key} to publish ({@code publish} scope), or
     * also to administer ({@code admin} scope). Exactly one of the two sources is set.
     *
     * @param name    a name for logs (never the key)
     * @param keyFile a file whose bytes (a trailing newline removed) are the key, or null
     * @param keyEnv  an environment variable holding the key, or {@code ""}
     * @param scope   {@code publish} or {@code admin}
     */
    public record ApiKeySpec(String name, Path keyFile, String keyEnv, String scope) {
        /** The scopes of an API key. */
        public static final List<String> SCOPES = List.of("publish", "admin");

        public ApiKeySpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(keyEnv, "keyEnv");
            Objects.requireNonNull(scope, "scope");
        }
    }

    /** A builder with the defaults (access control off). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.keys = keys;
        b.jwksUrl = jwksUrl;
        b.jwksAlgs = jwksAlgs;
        b.audience = audience;
        b.issuer = issuer;
        b.requireExp = requireExp;
        b.clockSkew = clockSkew;
        b.expiryGrace = expiryGrace;
        b.timeout = timeout;
        b.queryTickets = queryTickets;
        b.queryTicketMaxTtl = queryTicketMaxTtl;
        b.cookie = cookie;
        b.cookieName = cookieName;
        b.allowEmptySub = allowEmptySub;
        b.apiKeys = apiKeys;
        return b;
    }

    /** Builder of {@link AuthConfig}; not thread-safe. Each setter's units and bounds are on the record. */
    public static final class Builder {
        private List<KeySpec> keys = List.of();
        private String jwksUrl = "";
        private List<String> jwksAlgs = List.of("RS256", "ES256", "EdDSA");
        private String audience = "";
        private String issuer = "";
        private boolean requireExp = true;
        private Duration clockSkew = Duration.ofSeconds(30);
        private Duration expiryGrace = Duration.ofSeconds(25);
        private Duration timeout = Duration.ofSeconds(10);
        private boolean queryTickets = true;
        private Duration queryTicketMaxTtl = Duration.ofSeconds(120);
        private boolean cookie;
        private String cookieName = "herald_token";
        private boolean allowEmptySub;
        private List<ApiKeySpec> apiKeys = List.of();

        /** Sets {@link AuthConfig#keys()}. */
        public Builder keys(List<KeySpec> keys) {
            this.keys = keys;
            return this;
        }

        /** Sets {@link AuthConfig#jwksUrl()}. */
        public Builder jwksUrl(String jwksUrl) {
            this.jwksUrl = jwksUrl;
            return this;
        }

        /** Sets {@link AuthConfig#jwksAlgs()}. */
        public Builder jwksAlgs(List<String> jwksAlgs) {
            this.jwksAlgs = jwksAlgs;
            return this;
        }

        /** Sets {@link AuthConfig#audience()}. */
        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        /** Sets {@link AuthConfig#issuer()}. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** Sets {@link AuthConfig#requireExp()}. */
        public Builder requireExp(boolean requireExp) {
            this.requireExp = requireExp;
            return this;
        }

        /** Sets {@link AuthConfig#clockSkew()}. */
        public Builder clockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
            return this;
        }

        /** Sets {@link AuthConfig#expiryGrace()}. */
        public Builder expiryGrace(Duration expiryGrace) {
            this.expiryGrace = expiryGrace;
            return this;
        }

        /** Sets {@link AuthConfig#timeout()}. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Sets {@link AuthConfig#queryTickets()}. */
        public Builder queryTickets(boolean queryTickets) {
            this.queryTickets = queryTickets;
            return this;
        }

        /** Sets {@link AuthConfig#queryTicketMaxTtl()}. */
        public Builder queryTicketMaxTtl(Duration queryTicketMaxTtl) {
            this.queryTicketMaxTtl = queryTicketMaxTtl;
            return this;
        }

        /** Sets {@link AuthConfig#cookie()}. */
        public Builder cookie(boolean cookie) {
            this.cookie = cookie;
            return this;
        }

        /** Sets {@link AuthConfig#cookieName()}. */
        public Builder cookieName(String cookieName) {
            this.cookieName = cookieName;
            return this;
        }

        /** Sets {@link AuthConfig#allowEmptySub()}. */
        public Builder allowEmptySub(boolean allowEmptySub) {
            this.allowEmptySub = allowEmptySub;
            return this;
        }

        /** Sets {@link AuthConfig#apiKeys()}. */
        public Builder apiKeys(List<ApiKeySpec> apiKeys) {
            this.apiKeys = apiKeys;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public AuthConfig build() {
            return new AuthConfig(keys, jwksUrl, jwksAlgs, audience, issuer, requireExp, clockSkew, expiryGrace, timeout,
                    queryTickets, queryTicketMaxTtl, cookie, cookieName, allowEmptySub, apiKeys);
        }
    }
}
