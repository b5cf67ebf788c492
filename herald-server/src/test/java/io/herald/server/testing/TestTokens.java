package io.herald.server.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.auth.AccessLevel;
import io.herald.server.ServerConfig;
import io.herald.server.auth.AuthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokens and a server with access control on, for tests: an HS256 key {@value #KID} whose secret is
 * written to a temporary file (as an operator would configure it), two API keys (publish and admin
 * scope), a minter of valid, expired, forged and {@code alg: none} tokens and of tickets, and
 * {@link #start} which starts a {@link TestServer} with that key, those API keys and the namespaces
 * of docs/security.md "Channel permissions":
 * <pre>
 * demo: {subscribe: anonymous,     publish: none}
 * chat: {subscribe: authenticated, publish: subscriber}
 * user: {subscribe: owner,         publish: none}
 * doc:  {subscribe: grant,         publish: grant, history: grant}
 * other channels: {subscribe: grant, publish: none}
 * </pre>
 * Not thread-safe; one per test class or test.
 */
public final class TestTokens {
    /** The key id of the signing key. */
    public static final String KID = "k1";

    private final byte[] secret;
    private final Path dir;
    private final String publishKey;
    private final String adminKey;

    private TestTokens() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        this.secret = HexFormat.of().formatHex(bytes).getBytes(StandardCharsets.US_ASCII);
        random.nextBytes(bytes);
        this.publishKey = "pub-" + HexFormat.of().formatHex(bytes);
        random.nextBytes(bytes);
        this.adminKey = "adm-" + HexFormat.of().formatHex(bytes);
        try {
            this.dir = Files.createTempDirectory("herald-auth");
            dir.toFile().deleteOnExit();
            write("hmac", new String(secret, StandardCharsets.US_ASCII));
            write("publish.key", publishKey);
            write("admin.key", adminKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new key pair of files and secrets. */
    public static TestTokens create() {
        return new TestTokens();
    }

    private void write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text + "\n");
        file.toFile().deleteOnExit();
    }

    /** The API key of publish scope ({@code X-API-Key}). */
    public String publishKey() {
        return publishKey;
    }

    /** The API key of admin scope. */
    public String adminKey() {
        return adminKey;
    }

    /** The access-control settings of this key and these API keys (expiry grace 2 s, tickets on). */
    public AuthConfig.Builder authConfig() {
        return AuthConfig.builder()
                .keys(List.of(new AuthConfig.KeySpec(KID, "HS256", dir.resolve("hmac"), "", null)))
                .apiKeys(List.of(new AuthConfig.ApiKeySpec("backend", dir.resolve("publish.key"), "", "publish"),
                        new AuthConfig.ApiKeySpec("ops", dir.resolve("admin.key"), "", "admin")))
                .expiryGrace(Duration.ofSeconds(2));
    }

    /** The namespaces of the class comment. */
    public static NodeConfig namespaces() {
        NamespaceOptions base = NamespaceOptions.DEFAULTS;
        return NodeConfig.builder()
                .defaultNamespace(base.toBuilder().subscribe(AccessLevel.GRANT).publish(AccessLevel.NONE).build())
                .namespace("demo", base.toBuilder().subscribe(AccessLevel.ANONYMOUS).publish(AccessLevel.NONE).build())
                .namespace("chat", base.toBuilder().subscribe(AccessLevel.AUTHENTICATED).publish(AccessLevel.SUBSCRIBER).build())
                .namespace("user", base.toBuilder().subscribe(AccessLevel.OWNER).publish(AccessLevel.NONE).build())
                .namespace("doc", base.toBuilder().subscribe(AccessLevel.GRANT).publish(AccessLevel.GRANT)
                        .history(AccessLevel.GRANT).build())
                .build();
    }

    /** Starts a server with this key, the API keys and {@link #namespaces()}, then {@code configure}. */
    public TestServer start(Consumer<ServerConfig.Builder> configure) {
        return TestServer.start(cfg -> {
            cfg.node(namespaces()).auth(authConfig().build());
            configure.accept(cfg);
        });
    }

    /** {@link #start(Consumer)} with nothing more. */
    public TestServer start() {
        return start(cfg -> { });
    }

    /** Claims of a token for {@code sub}, issued now, expiring after {@code ttl}. */
    public static JWTClaimsSet.Builder claims(String sub, Duration ttl) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(sub).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)));
    }

    /** {@code claims} with {@code grants: {action: [patterns]}}. */
    public static JWTClaimsSet.Builder grant(JWTClaimsSet.Builder claims, String action, String... patterns) {
        return claims.claim("grants", Map.of(action, List.of(patterns)));
    }

    /** A connection token for {@code sub} valid for an hour, with no grants. */
    public String token(String sub) {
        return sign(claims(sub, Duration.ofHours(1)));
    }

    /** A connection token for {@code sub} valid for an hour granting {@code action} on {@code patterns}. */
    public String token(String sub, String action, String... patterns) {
        return sign(grant(claims(sub, Duration.ofHours(1)), action, patterns));
    }

    /** A ticket: a subscription token for {@code channel} living {@code ttl} (at most 120 s is accepted). */
    public String ticket(String sub, String channel, Duration ttl) {
        return sign(claims(sub, ttl).claim("channel", channel));
    }

    /** A token that expired {@code ago} ago (beyond the default 30 s clock skew when ago is larger). */
    public String expired(String sub, Duration ago) {
        Instant now = Instant.now();
        return sign(new JWTClaimsSet.Builder().subject(sub).issueTime(Date.from(now.minus(ago).minusSeconds(60)))
                .expirationTime(Date.from(now.minus(ago))));
    }

    /** Signs {@code claims} with this key ({@value #KID}, HS256). */
    public String sign(JWTClaimsSet.Builder claims) {
        return sign(claims.build(), secret);
    }

    /** A token with valid claims for {@code sub} signed with another HS256 secret under {@value #KID}. */
    public static String forged(String sub, String action, String... patterns) {
        byte[] other = new byte[64];
        new SecureRandom().nextBytes(other);
        return sign(grant(claims(sub, Duration.ofHours(1)), action, patterns).build(), other);
    }

    /** An unsecured token ({@code alg} as given, e.g. {@code none} or {@code nOnE}) with an empty signature. */
    public static String unsecured(String alg, JWTClaimsSet claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"" + alg + "\",\"kid\":\"" + KID + "\"}";
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".";
    }

    private static String sign(JWTClaimsSet claims, byte[] secret) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(KID).build(), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
