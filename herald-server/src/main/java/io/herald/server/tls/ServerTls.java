package io.herald.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS side of the public port: the server's certificate and key read from PEM files, the
 * {@link SslContext} built from them, and its reload when the files change.
 *
 * <p>The context speaks TLS 1.3 and 1.2 (RFC 8446, RFC 5246) with the cipher suites HTTP/2 allows
 * (RFC 9113, section 9.2; Netty's {@link Http2SecurityUtil#CIPHERS}), through OpenSSL (BoringSSL, from
 * {@code netty-tcnative-boringssl-static}) when its native library loads, else through the JDK.
 * ALPN (RFC 7301) offers {@code h2} then {@code http/1.1}, or only {@code http/1.1} without HTTP/2;
 * a client that offers neither, or no ALPN at all, gets HTTP/1.1.
 *
 * <p>Files: {@code tlsCert} holds the certificate chain, the server's certificate first (PEM,
 * {@code -----BEGIN CERTIFICATE-----}); {@code tlsKey} its private key, unencrypted PKCS#8 PEM
 * ({@code -----BEGIN PRIVATE KEY-----}), RSA, EC or EdDSA. Both are checked when read: parsed, and
 * the key must sign what the certificate's public key verifies.
 *
 * <p>Reload: a daemon thread reads both files every {@link #RELOAD_INTERVAL}; when their bytes
 * changed it builds a new context, which new connections use from then on (connections already
 * open keep theirs). Files that cannot be read or do not make a context leave the current one in
 * place, with one warning per distinct content (a certificate written before its key is tried again
 * when the key changes). Thread-safe: the current context is read by every event loop.
 *
 * <p>Documented in docs/protocol.md, "TLS and HTTP/2", and docs/configuration.md.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** How often the files are read for changes. */
    public static final Duration RELOAD_INTERVAL = Duration.ofSeconds(2);

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private final Path certFile;
    private final Path keyFile;
    private final boolean http2;
    private final AtomicReference<SslContext> current = new AtomicReference<>();
    private ScheduledExecutorService reloader;
    /** The file contents last tried (certificate bytes, then key bytes), or a read error: reload tries each once. */
    private byte[] lastSeen;

    private ServerTls(Path certFile, Path keyFile, boolean http2) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.http2 = http2;
    }

    /**
     * Reads the files and builds the context, without watching them.
     *
     * @param certFile the certificate chain, PEM
     * @param keyFile  its private key, PKCS#8 PEM
     * @param http2    whether ALPN offers {@code h2}
     * @throws IllegalArgumentException naming the component ({@code tlsCert} or {@code tlsKey}), the
     *                                  file and the problem, in the configuration records' style:
     *                                  {@code tlsKey: /etc/herald/key.pem (expected: ...)}
     */
    public static ServerTls load(Path certFile, Path keyFile, boolean http2) {
        ServerTls tls = new ServerTls(certFile, keyFile, http2);
        byte[] cert = read("tlsCert", certFile);
        byte[] key = read("tlsKey", keyFile);
        tls.current.set(tls.build(cert, key));
        tls.lastSeen = concat(cert, key);
        return tls;
    }

    /** Whether TLS goes through OpenSSL (else the JDK). */
    public static boolean openSsl() {
        return OpenSsl.isAvailable();
    }

    /** What does TLS, for the log: {@code OpenSSL (BoringSSL)} or {@code JDK}. */
    public static String providerName() {
        return openSsl() ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /** A TLS handler for a new connection, from the current context. Any thread. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return current.get().newHandler(alloc);
    }

    /** The context new connections use now. */
    public SslContext current() {
        return current.get();
    }

    /** Starts reading the files every {@link #RELOAD_INTERVAL} for changes. Call once. */
    public void watch() {
        reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-tls-reload");
            t.setDaemon(true);
            return t;
        });
        long ms = RELOAD_INTERVAL.toMillis();
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** One reload check; never throws (a failure is logged and the current context kept). */
    void reloadIfChanged() {
        byte[] cert;
        byte[] key;
        try {
            cert = read("tlsCert", certFile);
            key = read("tlsKey", keyFile);
        } catch (IllegalArgumentException e) {
            failed(e.getMessage().getBytes(StandardCharsets.UTF_8), e.getMessage());
            return;
        }
        byte[] seen = concat(cert, key);
        if (Arrays.equals(seen, lastSeen)) {
            return;
        }
        try {
            current.set(build(cert, key));
            lastSeen = seen;
            log.info("TLS certificate reloaded from {} and {}: new connections use it", certFile, keyFile);
        } catch (RuntimeException e) {
            failed(seen, e.getMessage());
        }
    }

    private void failed(byte[] seen, String problem) {
        if (!Arrays.equals(seen, lastSeen)) {
            lastSeen = seen;
            log.warn("TLS certificate not reloaded, keeping the current one: {}", problem);
        }
    }

    /** Stops watching the files. Idempotent. */
    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    private SslContext build(byte[] certPem, byte[] keyPem) {
        X509Certificate[] chain = certificates(certPem);
        PrivateKey key = privateKey(keyPem);
        if (!matches(key, chain[0].getPublicKey())) {
            throw problem("tlsKey", keyFile, "the private key of the first certificate of tlsCert " + certFile
                    + "; this key does not match it");
        }
        List<String> protocols = http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        try {
            return SslContextBuilder.forServer(key, chain)
                    .sslProvider(openSsl() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
                            SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, protocols))
                    .build();
        } catch (IOException | RuntimeException e) {
            throw problem("tlsCert", certFile, "a certificate and key TLS can use; " + e.getMessage());
        }
    }

    private X509Certificate[] certificates(byte[] pem) {
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(c -> (X509Certificate) c).toList();
            if (chain.isEmpty()) {
                throw problem("tlsCert", certFile, "PEM certificates (-----BEGIN CERTIFICATE-----); found none");
            }
            return chain.toArray(new X509Certificate[0]);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw problem("tlsCert", certFile, "PEM certificates (-----BEGIN CERTIFICATE-----); " + e.getMessage());
        }
    }

    private PrivateKey privateKey(byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            String found = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") ? "an encrypted key; remove the passphrase"
                    : text.matches("(?s).*-----BEGIN (RSA|EC) PRIVATE KEY-----.*")
                    ? "a PKCS#1 or SEC1 key; convert it with openssl pkcs8 -topk8 -nocrypt" : "no private key";
            throw problem("tlsKey", keyFile, "an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----); found " + found);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw problem("tlsKey", keyFile, "an unencrypted PKCS#8 PEM key; " + e.getMessage());
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw problem("tlsKey", keyFile, "an RSA, EC or EdDSA key in PKCS#8; this one is none of them");
    }

    /** Whether {@code key} signs what {@code publicKey} verifies. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, RSASSA-PSS
        };
        byte[] data = "herald".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] read(String field, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            throw problem(field, file, "a readable file; " + (e instanceof java.nio.file.NoSuchFileException
                    ? "no such file" : e.toString()));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length + 1);
        all[a.length] = 0;
        System.arraycopy(b, 0, all, a.length + 1, b.length);
        return all;
    }

    /** {@code field: file (expected: what)}: the configuration records' message, which names the setting. */
    private static IllegalArgumentException problem(String field, Path file, String expected) {
        return new IllegalArgumentException(field + ": " + file + " (expected: " + expected + ")");
    }
}
