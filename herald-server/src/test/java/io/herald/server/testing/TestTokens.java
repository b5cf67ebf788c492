package io.herald.server.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
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
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokens for tests of access control, and the server fixture they verify against: an HS256 key
 * {@code k1} (a random 32-byte secret in a temporary file), {@code aud: herald}, {@code iss: test},
 * and the namespaces of docs/security.md, "Channel permissions" ({@code demo} anonymous,
 * {@code chat} authenticated with publish by subscribers, {@code user} owner, {@code doc} grant;
 * other channels: grant).
 *
 * <pre>
 * TestTokens tokens = TestTokens.create();
 * try (TestServer server = tokens.start(auth -> auth.expiryGrace(Duration.ofSeconds(2)))) {
 *     String t = tokens.token("42", Duration.ofMinutes(5), "doc:1");   // may subscribe to doc:1
 * }
 * </pre>
 * Thread-safe once created.
 */
public final class TestTokens {
    /** The key id of the configured key. */
    public static final String KID = "k1";
    public static final String AUDIENCE = "herald";
    public static final String ISSUER = "test";

    private final byte[] secret;
    private final Path secretFile;

    private TestTokens(byte[] secret, Path secretFile) {
        this.secret = secret;
        this.secretFile = secretFile;
    }

    /** A fresh random key written to a temporary file (deleted on exit). */
    public static TestTokens create() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        // A hex secret: the file is read as UTF-8 text.
        byte[] secret = HexFormat.of().formatHex(bytes).getBytes(StandardCharsets.US_ASCII);
        try {
            Path file = Files.createTempFile("herald-test-hmac", ".key");
            file.toFile().deleteOnExit();
            Files.write(file, secret);
            return new TestTokens(secret, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The access-control settings of the fixture: key {@code k1}, audience and issuer; change the rest. */
    public AuthConfig.Builder authConfig() {
        return AuthConfig.builder()
                .keys(List.of(new AuthConfig.KeySpec(KID, "HS256", secretFile, "", null)))
                .audience(AUDIENCE)
                .issuer(ISSUER);
    }

    /** The namespaces of the fixture (see the class comment). */
    public static NodeConfig namespaces() {
        NamespaceOptions d = NamespaceOptions.DEFAULTS;
        return NodeConfig.builder()
                .namespace("demo", d.toBuilder().subscribe(AccessLevel.ANONYMOUS).publish(AccessLevel.NONE).build())
                .namespace("chat", d.toBuilder().subscribe(AccessLevel.AUTHENTICATED).publish(AccessLevel.SUBSCRIBER).build())
                .namespace("user", d.toBuilder().subscribe(AccessLevel.OWNER).publish(AccessLevel.NONE).build())
                .namespace("doc", d.toBuilder().subscribe(AccessLevel.GRANT).publish(AccessLevel.GRANT)
                        .history(AccessLevel.GRANT).build())
                .build();
    }

    /** Starts a server with the fixture's namespaces and access control, {@code auth} changing its settings. */
    public TestServer start(Consumer<AuthConfig.Builder> auth) {
        return start(auth, cfg -> { });
    }

    /** {@link #start(Consumer)}, with other server settings changed by {@code configure}. */
    public TestServer start(Consumer<AuthConfig.Builder> auth, Consumer<ServerConfig.Builder> configure) {
        AuthConfig.Builder a = authConfig();
        auth.accept(a);
        return TestServer.start(cfg -> {
            cfg.node(namespaces()).auth(a.build());
            configure.accept(cfg);
        });
    }

    /**
     * A token for {@code sub} living {@code ttl} (negative: already expired) that grants subscribe
     * and history on {@code channels} (exact names or prefixes ending in {@code *}).
     */
    public String token(String sub, Duration ttl, String... channels) {
        return mint(c -> c.subject(sub).expirationTime(Date.from(Instant.now().plus(ttl)))
                .claim("grants", Map.of("subscribe", List.of(channels), "history", List.of(channels))));
    }

    /** A subscription token (a ticket) for {@code channel}, living {@code ttl}. */
    public String ticket(String sub, String channel, Duration ttl) {
        return mint(c -> c.subject(sub).claim("channel", channel).expirationTime(Date.from(Instant.now().plus(ttl))));
    }

    /**
     * A token signed with the fixture's key: {@code sub "42"}, {@code aud}, {@code iss}, {@code iat}
     * now and {@code exp} in an hour, then changed by {@code claims}.
     */
    public String mint(Consumer<JWTClaimsSet.Builder> claims) {
        return sign(secret, KID, claims);
    }

    /** A token like {@link #mint} but signed with another random key under the same {@code kid}: a forgery. */
    public String forged(Consumer<JWTClaimsSet.Builder> claims) {
        byte[] other = new byte[64];
        new SecureRandom().nextBytes(other);
        return sign(other, KID, claims);
    }

    /** An unsecured token ({@code alg} spelled {@code alg}, e.g. {@code none} or {@code nOnE}) with an empty signature. */
    public static String unsecured(String alg, Consumer<JWTClaimsSet.Builder> claims) {
        String header = "{\"alg\":\"" + alg + "\",\"kid\":\"" + KID + "\",\"typ\":\"JWT\"}";
        return Base64URL.encode(header) + "." + Base64URL.encode(claims(claims).toString()) + ".";
    }

    private static String sign(byte[] key, String kid, Consumer<JWTClaimsSet.Builder> claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims(claims));
        try {
            jwt.sign(new MACSigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().subject("42").audience(AUDIENCE).issuer(ISSUER)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)));
        change.accept(b);
        return b.build();
    }
}
