package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.HeraldException;
import io.herald.core.auth.Action;
import io.herald.core.auth.Principal;
import io.herald.server.auth.AuthConfig;
import io.herald.server.auth.TokenVerifier;
import io.herald.server.config.Configuration;
import io.herald.server.testing.TestKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code herald token} through the command line, its tokens checked by the server's own verifier. */
class TokenCommandTest {
    @TempDir
    Path dir;
    TestKeys keys;
    Path yml;

    @BeforeEach
    void config() throws IOException {
        keys = TestKeys.create(dir);
        yml = Files.writeString(dir.resolve("herald.yml"), "auth:\n  audience: herald\n  issuer: test\n  keys:\n"
                + "    - kid: r1\n      alg: RS256\n      public-key-file: " + keys.rsaPem + "\n"
                + "    - kid: k1\n      alg: HS256\n      secret-file: " + keys.secretFile + "\n");
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = HeraldCommand.run(new PrintWriter(out, true), new PrintWriter(err, true), Map.of(), args);
        return new Run(status, out.toString(), err.toString());
    }

    private TokenVerifier verifier() {
        AuthConfig auth = Configuration.load(yml, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig().auth();
        return TokenVerifier.load(auth, Map.of());
    }

    @Test
    void itMintsATokenTheServerAcceptsWithItsGrantsAndLifetime() {
        Run r = run("token", "--config", yml.toString(), "--sub", "42", "--ttl", "1h",
                "--grant", "subscribe=chat:*", "--grant", "publish=chat:*");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        String token = r.out().trim();
        assertThat(r.out()).isEqualTo(token + System.lineSeparator());
        Principal p = verifier().verify(token);
        assertThat(p.subject()).isEqualTo("42");
        assertThat(p.grants().allows(Action.SUBSCRIBE, "chat:a")).isTrue();
        assertThat(p.grants().allows(Action.PUBLISH, "chat:a")).isTrue();
        assertThat(p.grants().allows(Action.HISTORY, "chat:a")).isFalse();
        assertThat(p.channel()).isNull();
        assertThat(p.expiresAt()).isBetween(Instant.now().plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofMinutes(61)));
    }

    @Test
    void aSubscriptionTokenForOneChannelIsATicketWhenShort() {
        Run r = run("token", "--config", yml.toString(), "--sub", "7", "--ttl", "2m", "--channel", "doc:1", "--kid", "k1");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(verifier().verifyTicket(r.out().trim(), "doc:1").channel()).isEqualTo("doc:1");
    }

    @Test
    void anRsaKeyCannotMintAndBadOptionsAreOneLineWithStatus2() throws IOException {
        Run rsa = run("token", "--config", yml.toString(), "--sub", "42", "--kid", "r1");
        assertThat(rsa.status()).isEqualTo(2);
        assertThat(rsa.out()).isEmpty();
        assertThat(rsa.err()).isEqualTo("herald token: auth.keys[0] (kid \"r1\") is RS256: Herald has only its public key and "
                + "cannot sign; mint with the private key's holder, or pick an HS key" + System.lineSeparator());
        assertThat(run("token", "--config", yml.toString(), "--sub", "42", "--grant", "admin=*").err())
                .isEqualTo("herald token: --grant: \"admin=*\" (expected: subscribe|publish|history=PATTERN, a channel name "
                        + "optionally ending in *, e.g. subscribe=chat:*)" + System.lineSeparator());
        assertThat(run("token", "--config", yml.toString(), "--sub", "42", "--kid", "zz").err())
                .isEqualTo("herald token: --kid: no key \"zz\" in auth.keys" + System.lineSeparator());
        assertThat(run("token", "--config", yml.toString(), "--sub", "42", "--channel", "a b").status()).isEqualTo(2);
        assertThat(run("token", "--config", yml.toString(), "--sub", "42", "--ttl", "0s").status()).isEqualTo(2);
        Run missing = run("token", "--config", yml.toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("--sub").doesNotContain("Exception");
        Path onlyRsa = Files.writeString(dir.resolve("rsa.yml"), "auth:\n  keys:\n"
                + "    - kid: r1\n      alg: RS256\n      public-key-file: " + keys.rsaPem + "\n");
        assertThat(run("token", "--config", onlyRsa.toString(), "--sub", "42").err()).startsWith("herald token: no HS256/HS384/HS512 key");
        Files.delete(keys.secretFile);
        assertThat(run("token", "--config", yml.toString(), "--sub", "42").err())
                .isEqualTo("herald token: " + yml + ":8: auth.keys[1]: secret-file " + keys.secretFile
                        + " cannot be read (no such file)" + System.lineSeparator());
    }

    @Test
    void aTokenFromAnotherConfigurationsSecretIsRefused() throws IOException {
        String token = run("token", "--config", yml.toString(), "--sub", "42").out().trim();
        Files.writeString(keys.secretFile, java.util.HexFormat.of().formatHex(TestKeys.bytes(32)));
        Assertions.assertThatThrownBy(() -> verifier().verify(token)).isInstanceOf(HeraldException.class);
    }
}
