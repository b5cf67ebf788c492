package io.herald.server.transport.contract;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.util.function.Consumer;

/**
 * A transport's client run over HTTP/2: the server speaks TLS and the test server's java.net.http
 * client, which the transport clients use, negotiates {@code h2} by ALPN, so every request of the
 * contract is a stream of one connection (docs/protocol.md, "TLS and HTTP/2"). The behaviour that
 * needs a raw stalled socket is tested for HTTP/2 by {@code Http2Test} instead.
 */
final class OverHttp2 implements TransportClient {
    /** One certificate for every HTTP/2 contract test. */
    private static final TestCertificate CERTIFICATE;

    static {
        try {
            CERTIFICATE = TestCertificate.create(Files.createTempDirectory("herald-h2-contract"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final TransportClient inner;

    OverHttp2(TransportClient inner) {
        this.inner = inner;
    }

    /** A TLS server whose test client speaks HTTP/2. */
    static TestServer start(Consumer<ServerConfig.Builder> configure) {
        return TestServer.startTls(CERTIFICATE, HttpClient.Version.HTTP_2, configure);
    }

    @Override
    public String name() {
        return inner.name() + " over HTTP/2";
    }

    @Override
    public String cannot(Behaviour behaviour) {
        if (behaviour == Behaviour.SLOW_CONSUMER_CUT) {
            return "a stalled subscriber here is a raw HTTP/1.1 socket; a stalled HTTP/2 stream is Http2Test's"
                    + " aStreamThatStopsReadingIsCutAsSlowWhileItsConnectionsOtherStreamKeepsReceiving";
        }
        return inner.cannot(behaviour);
    }

    @Override
    public void configure(ServerConfig.Builder config) {
        inner.configure(config);
    }

    @Override
    public Subscription open(TestServer server, String channel, String since) throws Exception {
        return inner.open(server, channel, since);
    }

    @Override
    public String subscribeWithoutReading(Socket socket, String channel) {
        throw new UnsupportedOperationException(name() + ": see cannot(SLOW_CONSUMER_CUT)");
    }
}
