package io.herald.server.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.server.auth.AuthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Real token keys for tests, written as the files {@code auth.keys} points at (docs/configuration.md,
 * "Access control"): an HS256 secret {@code k1}, an RS256 key pair {@code r1}, an ES256 pair
 * {@code e1} and an EdDSA (Ed25519) pair {@code d1}; the private halves stay here so tests can sign.
 * Mints tokens with nimbus ({@link #token}) and, for the hostile cases nimbus would not produce,
 * signs a compact JWS built by hand from header and payload JSON ({@link #raw}).
 */
public final class TestKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The HS256 secret of {@code k1} (64 ASCII hex characters, as {@code openssl rand -hex 32} gives). */
    public final byte[] hmacSecret;
    public final KeyPair rsa;
    public final KeyPair ec;
    public final KeyPair ed;
    public final Path secretFile;
    public final Path rsaPem;
    public final Path ecPem;
    public final Path edPem;

    private TestKeys(Path dir) {
        try {
            hmacSecret = HexFormat.of().formatHex(bytes(32)).getBytes(StandardCharsets.US_ASCII);
            rsa = generate("RSA", null);
            ec = generate("EC", new ECGenParameterSpec("secp256r1"));
            ed = generate("Ed25519", null);
            secretFile = Files.write(dir.resolve("k1.secret"), hmacSecret);
            rsaPem = Files.writeString(dir.resolve("r1.pem"), publicPem(rsa));
            ecPem = Files.writeString(dir.resolve("e1.pem"), publicPem(ec));
            edPem = Files.writeString(dir.resolve("d1.pem"), publicPem(ed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Generates the four keys and writes their files into {@code dir}. */
    public static TestKeys create(Path dir) {
        return new TestKeys(dir);
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** A key pair of {@code algorithm} ("RSA" is 2048 bits). */
    public static KeyPair generate(String algorithm, ECGenParameterSpec curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (curve != null) {
                g.initialize(curve);
            } else if (algorithm.equals("RSA")) {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The X.509 SubjectPublicKeyInfo PEM of a key pair's public key. */
    public static String publicPem(KeyPair pair) {
        return pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    /** A PEM block of {@code type} around {@code der}. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** {@code auth.keys}: k1 HS256, r1 RS256, e1 ES256, d1 EdDSA. */
    public List<AuthConfig.KeySpec> keySpecs() {
        return List.of(new AuthConfig.KeySpec("k1", "HS256", secretFile, "", null),
                new AuthConfig.KeySpec("r1", "RS256", null, "", rsaPem),
                new AuthConfig.KeySpec("e1", "ES256", null, "", ecPem),
                new AuthConfig.KeySpec("d1", "EdDSA", null, "", edPem));
    }

    /** A signer for the private half of the key named {@code kid} (k1, r1, e1, d1). */
    public JWSSigner signer(String kid) {
        try {
            return switch (kid) {
                case "k1" -> new MACSigner(hmacSecret);
                case "r1" -> new RSASSASigner(rsa.getPrivate());
                case "e1" -> new ECDSASigner((ECPrivateKey) ec.getPrivate());
                case "d1" -> new Ed25519Signer(okp(ed));
                default -> throw new IllegalArgumentException(kid);
            };
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The algorithm of the key named {@code kid}. */
    public static JWSAlgorithm alg(String kid) {
        return switch (kid) {
            case "k1" -> JWSAlgorithm.HS256;
            case "r1" -> JWSAlgorithm.RS256;
            case "e1" -> JWSAlgorithm.ES256;
            default -> JWSAlgorithm.EdDSA;
        };
    }

    /** An Ed25519 key pair as nimbus's OKP JWK (RFC 8037 section 2: {@code x} and {@code d} raw, 32 bytes each). */
    public static OctetKeyPair okp(KeyPair ed25519) {
        byte[] pub = ed25519.getPublic().getEncoded();
        byte[] priv = ed25519.getPrivate().getEncoded(); // PKCS#8: 16-byte prefix, then OCTET STRING of 32
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(pub, pub.length - 32, pub.length)))
                .d(Base64URL.encode(Arrays.copyOfRange(priv, priv.length - 32, priv.length))).build();
    }

    /** Claims {@code sub}, {@code aud: herald}, {@code iss: test}, {@code iat} now and {@code exp} in 5 minutes. */
    public static JWTClaimsSet.Builder claims(String sub) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(sub).audience("herald").issuer("test")
                .issueTime(java.util.Date.from(now)).expirationTime(java.util.Date.from(now.plusSeconds(300)));
    }

    /** A token signed by the key named {@code kid} with its algorithm. */
    public String token(String kid, JWTClaimsSet claims) {
        return sign(new JWSHeader.Builder(alg(kid)).keyID(kid).build(), claims, signer(kid));
    }

    /** A token with any header, signed by any signer. */
    public static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How a hand-built token is signed: the bytes of {@code header.payload} to the signature's bytes. */
    public interface RawSigner {
        byte[] sign(byte[] signingInput) throws GeneralSecurityException;
    }

    /** HMAC-SHA256 with any key bytes (even fewer than nimbus allows, or a PEM). */
    public static RawSigner hs256(byte[] key) {
        return input -> {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input);
        };
    }

    /** SHA256withRSA with a private key. */
    public static RawSigner rs256(PrivateKey key) {
        return input -> {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input);
            return s.sign();
        };
    }

    /** The base64url (no padding) of UTF-8 text. */
    public static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code b64(header).b64(payload).b64(signature)}, signed as {@code signer} says (null: an empty signature). */
    public static String raw(String headerJson, String payloadJson, RawSigner signer) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            byte[] sig = signer == null ? new byte[0] : signer.sign(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A payload JSON with {@code sub 42}, {@code aud herald}, {@code iss test}, a valid {@code exp}, and {@code extra} members. */
    public static String payload(String extra) {
        long now = Instant.now().getEpochSecond();
        return "{\"sub\":\"42\",\"aud\":\"herald\",\"iss\":\"test\",\"iat\":" + now + ",\"exp\":" + (now + 300)
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The secret file's path map form for a YAML {@code auth.keys} item. */
    public Map<String, Path> files() {
        return Map.of("k1", secretFile, "r1", rsaPem, "e1", ecPem, "d1", edPem);
    }
}
