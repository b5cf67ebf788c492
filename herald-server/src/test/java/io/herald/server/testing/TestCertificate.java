package io.herald.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1} (subject alternative
 * names, so that java.net.http's host check passes) with its key, made in the test JVM by
 * BouncyCastle and written as the server reads them: the certificate PEM, the key unencrypted
 * PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). {@link #sslContext()} trusts exactly this
 * certificate. Immutable; the files live in the directory given.
 */
public final class TestCertificate {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final X509Certificate certificate;
    private final KeyPair keys;
    private final Path certFile;
    private final Path keyFile;

    private TestCertificate(X509Certificate certificate, KeyPair keys, Path certFile, Path keyFile) {
        this.certificate = certificate;
        this.keys = keys;
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    /** A new EC P-256 certificate and key, written as {@code cert.pem} and {@code key.pem} in {@code dir}. */
    public static TestCertificate create(Path dir) {
        return create(dir, "cert.pem", "key.pem");
    }

    /** A new certificate and key written to {@code dir/certName} and {@code dir/keyName} (replacing them). */
    public static TestCertificate create(Path dir, String certName, String keyName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair keys = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=localhost");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            Path certFile = dir.resolve(certName);
            Path keyFile = dir.resolve(keyName);
            TestCertificate made = new TestCertificate(cert, keys, certFile, keyFile);
            made.write(certFile, keyFile);
            return made;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** Writes this certificate and key (PEM, PKCS#8) to the given files, replacing them. */
    public void write(Path cert, Path key) {
        try {
            Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Path certFile() {
        return certFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** A client TLS context that trusts this certificate only. */
    public SSLContext sslContext() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("herald", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
