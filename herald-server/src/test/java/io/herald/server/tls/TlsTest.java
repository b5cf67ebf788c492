package io.herald.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS on the public port with real TLS clients (the JDK's {@link SSLSocket}, raw bytes read after
 * decryption): protocol versions, ALPN, HTTP/1.1 streams whose chunks are framed once per
 * publication and written past the HTTP codec but through TLS, plain HTTP refused, and the
 * certificate reloaded without a restart (docs/protocol.md, "TLS and HTTP/2"; docs/configuration.md, "TLS").
 */
class TlsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    /** A TLS connection to {@code t} offering {@code alpn} (none when empty), with only {@code protocols} when given. */
    private static SSLSocket connect(TestServer t, TestCertificate trusted, String[] alpn, String... protocols) throws IOException {
        SSLSocket socket = (SSLSocket) trusted.sslContext().getSocketFactory().createSocket("127.0.0.1", t.port());
        socket.setSoTimeout(10_000);
        SSLParameters params = socket.getSSLParameters();
        if (alpn.length > 0) {
            params.setApplicationProtocols(alpn);
        }
        if (protocols.length > 0) {
            params.setProtocols(protocols);
        }
        params.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private static final String[] HTTP11 = {"http/1.1"};

    @Test
    void speaksTls13And12AndAlpnChoosesH2OrHttp11() throws Exception {
        TestCertificate cert = TestCertificate.create(dir);
        try (TestServer t = TestServer.startTls(cert, HttpClient.Version.HTTP_1_1, cfg -> { })) {
            try (SSLSocket s = connect(t, cert, new String[] {"h2", "http/1.1"})) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(s.getApplicationProtocol()).isEqualTo("h2");
            }
            try (SSLSocket s = connect(t, cert, HTTP11, "TLSv1.2")) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
                assertThat(get(s, "/history/x")).startsWith("HTTP/1.1 200 OK\r\n");
            }
            try (SSLSocket s = connect(t, cert, new String[0])) {
                assertThat(s.getApplicationProtocol()).as("no ALPN offered").isEmpty();
                assertThat(get(s, "/history/x")).as("HTTP/1.1 without ALPN").startsWith("HTTP/1.1 200 OK\r\n");
            }
        }
        try (TestServer t = TestServer.startTls(cert, HttpClient.Version.HTTP_1_1, cfg -> cfg.http2(false))) {
            try (SSLSocket s = connect(t, cert, new String[] {"h2", "http/1.1"})) {
                assertThat(s.getApplicationProtocol()).as("with http2 off").isEqualTo("http/1.1");
                assertThat(get(s, "/history/x")).startsWith("HTTP/1.1 200 OK\r\n");
            }
        }
    }

    @Test
    void tlsGoesThroughOpenSslWhereItsNativeLibraryLoadsElseTheJdk() {
        if (Boolean.getBoolean("io.netty.handler.ssl.noOpenSsl")) {
            // The build's tls-jdk run of these tests: OpenSSL turned off, the JDK's TLS in its place.
            assertThat(ServerTls.openSsl()).isFalse();
            assertThat(ServerTls.providerName()).isEqualTo("JDK");
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64"), "netty-tcnative is bundled for Linux x86-64 only");
        assertThat(ServerTls.openSsl()).as("netty-tcnative-boringssl-static loaded").isTrue();
        assertThat(ServerTls.providerName()).startsWith("OpenSSL (BoringSSL");
    }

    /** Sends a GET that closes the connection and reads the whole answer. */
    private static String get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void streamChunksFramedOncePerPublicationArriveThroughTlsByteForByte() throws Exception {
        TestCertificate cert = TestCertificate.create(dir);
        try (TestServer t = TestServer.startTls(cert, HttpClient.Version.HTTP_1_1, cfg -> cfg.paddingBytes(4));
             SSLSocket sse = connect(t, cert, HTTP11);
             SSLSocket xhr = connect(t, cert, HTTP11)) {
            request(sse, "/sse/tls");
            request(xhr, "/stream/tls");
            String sseHead = head(sse.getInputStream());
            assertThat(sseHead).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("transfer-encoding: chunked\r\n");
            assertThat(head(xhr.getInputStream())).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(chunk(sse.getInputStream())).isEqualTo("retry: 2000\n\n");
            assertThat(chunk(xhr.getInputStream())).isEqualTo("    \n");
            TestServer.await("two sessions", WAIT, () -> t.server().node().sessionCount() == 2);
            for (int i = 1; i <= 20; i++) {
                String id = t.publish("tls", "m" + i + " ünï").get("id").asText();
                assertThat(chunk(sse.getInputStream())).isEqualTo("id: " + id + "\ndata: m" + i + " ünï\n\n");
                assertThat(TestServer.json(chunk(xhr.getInputStream())).get("id").asText()).isEqualTo(id);
            }
        }
    }

    private static void request(Socket s, String path) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String head(InputStream in) throws IOException {
        return RawResponse.head(in);
    }

    /** One HTTP/1.1 chunk (RFC 9112, section 7.1): hex size, CRLF, the bytes, CRLF. */
    private static String chunk(InputStream in) throws IOException {
        StringBuilder size = new StringBuilder();
        for (int b; (b = in.read()) != '\r'; ) {
            assertThat(b).as("chunk size").isNotNegative();
            size.append((char) b);
        }
        assertThat(in.read()).isEqualTo('\n');
        byte[] data = in.readNBytes(Integer.parseInt(size.toString(), 16));
        assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).as("end of chunk").isEqualTo("\r\n");
        return new String(data, StandardCharsets.UTF_8);
    }

    @Test
    void aPlainHttpRequestToTheTlsPortIsClosedWithoutAnAnswer() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1, cfg -> { });
             Socket plain = new Socket("127.0.0.1", t.port())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("GET /history/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                plain.getInputStream().transferTo(got); // until the server closes
            } catch (IOException reset) {
                // closed with a reset: closed all the same
            }
            assertThat(got.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)).doesNotContain("http/1.1");
            TestServer.await("the connection closed", WAIT, () -> t.server().connectionCount() == 0);
        }
    }

    @Test
    void aChangedCertificateIsUsedForNewConnectionsWithoutRestartAndABrokenOneKeepsTheCurrent() throws Exception {
        TestCertificate first = TestCertificate.create(dir);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ServerTls.class);
        logger.addAppender(log);
        try (TestServer t = TestServer.startTls(first, HttpClient.Version.HTTP_1_1, cfg -> { });
             SSLSocket old = connect(t, first, HTTP11)) {
            assertThat(peer(old)).isEqualTo(first.certificate());
            request(old, "/sse/reload");
            head(old.getInputStream());
            chunk(old.getInputStream());

            // A key that is not the certificate's (written first, as a careless rotation might): kept out.
            TestCertificate stranger = TestCertificate.create(dir, "stranger.pem", "stranger-key.pem");
            Files.copy(stranger.keyFile(), first.keyFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            TestServer.await("the reload refused", WAIT, () -> log.list.stream().anyMatch(e ->
                    e.getFormattedMessage().startsWith("TLS certificate not reloaded, keeping the current one: tlsKey: ")));
            try (SSLSocket s = connect(t, first, HTTP11)) {
                assertThat(peer(s)).as("the current certificate, kept").isEqualTo(first.certificate());
            }

            // Then the matching certificate: the pair is used for new connections.
            Files.copy(stranger.certFile(), first.certFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            TestServer.await("the new certificate served", WAIT, () -> {
                try (SSLSocket s = connect(t, stranger, HTTP11)) {
                    return peer(s).equals(stranger.certificate());
                } catch (IOException e) {
                    return false; // still the old certificate, which this client does not trust
                }
            });
            assertThatThrownBy(() -> connect(t, first, HTTP11).close()).as("the old certificate is no longer served")
                    .isInstanceOf(SSLHandshakeException.class);

            // The connection opened before the reload keeps its session and its stream.
            // (published from Java: the test server's own client trusts only the first certificate)
            String id = t.server().publish("reload", null, io.herald.core.Payload.text("after")).join().id();
            assertThat(chunk(old.getInputStream())).isEqualTo("id: " + id + "\ndata: after\n\n");
        } finally {
            logger.detachAppender(log);
        }
    }

    private static X509Certificate peer(SSLSocket s) throws IOException {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
}
