package io.herald.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token keys that must stop the start (docs/configuration.md, "Access control"): each bad key file is
 * one line naming the file, the line and the item, through {@link Configuration} as the command
 * loads it.
 */
class AuthKeysConfigurationTest {
    @TempDir
    Path dir;
    TestKeys keys;

    @BeforeEach
    void keys() {
        keys = TestKeys.create(dir);
    }

    private void refused(String alg, String source, Path file, String message) throws IOException {
        Path yml = dir.resolve("herald.yml");
        Files.writeString(yml, "server:\n  port: 0\nauth:\n  keys:\n    - kid: k0\n      alg: HS256\n      secret-file: "
                + keys.secretFile + "\n    - kid: x1\n      alg: " + alg + "\n      " + source + ": " + file + "\n");
        assertThatThrownBy(() -> Configuration.load(yml, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig())
                .isInstanceOf(ConfigException.class).hasNoCause()
                .hasMessage("herald.yml:8: auth.keys[1]: " + message.replace("FILE", file.toString()));
    }

    @Test
    void allFourKindsOfKeyLoad() throws IOException {
        Path yml = dir.resolve("herald.yml");
        StringBuilder y = new StringBuilder("auth:\n  audience: herald\n  keys:\n");
        keys.files().forEach((kid, file) -> y.append("    - kid: ").append(kid).append("\n      alg: ")
                .append(TestKeys.alg(kid).getName()).append("\n      ")
                .append(kid.equals("k1") ? "secret-file: " : "public-key-file: ").append(file).append('\n'));
        Files.writeString(yml, y);
        assertThat(Configuration.load(yml, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig().auth().keys())
                .hasSize(4);
    }

    @Test
    void anHmacSecretShorterThanItsHashIsRefused() throws IOException {
        Path shortSecret = Files.writeString(dir.resolve("short"), "0123456789abcdef0123456789abcde\n");
        refused("HS256", "secret-file", shortSecret, "the HS256 secret has 31 bytes (expected: at least 32, RFC 7518 section 3.2)");
        Path s48 = Files.writeString(dir.resolve("s47"), "x".repeat(47));
        refused("HS384", "secret-file", s48, "the HS384 secret has 47 bytes (expected: at least 48, RFC 7518 section 3.2)");
    }

    @Test
    void aPemKeyDeclaredAsAnHmacSecretRefusesToStart() throws IOException {
        refused("HS256", "secret-file", keys.rsaPem, "the HS256 secret is a PEM key (expected: random bytes, e.g. openssl rand "
                + "-hex 32; a public key goes in public-key-file with an RS, PS, ES or EdDSA alg)");
        refused("HS256", "public-key-file", keys.rsaPem, "HS256 needs exactly one of secret-file or secret-env");
    }

    @Test
    void aCertificateOrAPrivateKeyWhereAPublicKeyIsExpectedIsRefused() throws IOException {
        TestCertificate cert = TestCertificate.create(dir);
        String notPublic = "is not a PEM public key (-----BEGIN PUBLIC KEY-----; a certificate or private key is refused)";
        refused("RS256", "public-key-file", cert.certFile(), "public-key-file FILE " + notPublic);
        refused("RS256", "public-key-file", cert.keyFile(), "public-key-file FILE " + notPublic);
        Path both = Files.writeString(dir.resolve("both.pem"), TestKeys.pem("PRIVATE KEY", keys.rsa.getPrivate().getEncoded())
                + TestKeys.publicPem(keys.rsa));
        refused("RS256", "public-key-file", both, "public-key-file FILE " + notPublic);
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        refused("RS256", "public-key-file", garbage, "public-key-file FILE holds no RSA, EC or Ed25519 public key");
    }

    @Test
    void aKeyOfAnotherFamilyCurveOrTooSmallIsRefused() throws IOException {
        refused("ES256", "public-key-file", keys.rsaPem, "public-key-file FILE holds a RSA key, which ES256 cannot use");
        refused("RS256", "public-key-file", keys.edPem, "public-key-file FILE holds a EdDSA key, which RS256 cannot use");
        refused("EdDSA", "public-key-file", keys.ecPem, "public-key-file FILE holds a EC key, which EdDSA cannot use");
        KeyPair p384 = TestKeys.generate("EC", new ECGenParameterSpec("secp384r1"));
        Path p384Pem = Files.writeString(dir.resolve("p384.pem"), TestKeys.publicPem(p384));
        refused("ES256", "public-key-file", p384Pem, "public-key-file FILE holds an EC key of the curve of ES384, not of ES256 "
                + "(RFC 7518 section 3.4)");
        Path small = Files.writeString(dir.resolve("rsa1024.pem"), TestKeys.publicPem(rsa1024()));
        refused("RS256", "public-key-file", small, "public-key-file FILE holds a 1024-bit RSA key (expected: at least 2048 bits, "
                + "RFC 7518 section 3.3)");
    }

    @Test
    void aMissingFileIsRefused() throws IOException {
        Path missing = dir.resolve("nope.pem");
        refused("RS256", "public-key-file", missing, "public-key-file FILE cannot be read (no such file)");
        refused("HS256", "secret-file", missing, "secret-file FILE cannot be read (no such file)");
    }

    @Test
    void aJwksUrlThatIsNotHttpIsRefusedAndNothingIsFetchedByACheck() throws IOException {
        Path yml = dir.resolve("herald.yml");
        Files.writeString(yml, "auth:\n  jwks-url: file:///etc/passwd\n");
        assertThatThrownBy(() -> Configuration.load(yml, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig())
                .isInstanceOf(ConfigException.class)
                .hasMessage("herald.yml:2: auth.jwks-url: file:///etc/passwd (expected: an http or https URL)");
        Files.writeString(yml, "auth:\n  jwks-url: https://keys.example/jwks.json\n  jwks-algs: [HS256]\n");
        assertThatThrownBy(() -> Configuration.load(yml, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("herald.yml:3: auth.jwks-algs: HS256 (expected: asymmetric");
    }

    private static KeyPair rsa1024() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(1024);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
