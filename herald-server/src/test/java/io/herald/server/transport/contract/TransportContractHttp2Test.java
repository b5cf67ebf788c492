package io.herald.server.transport.contract;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.util.function.Consumer;

/**
 * The transport contract with every request a stream of an HTTP/2 connection over TLS
 * ({@link OverHttp2}); a subclass names the transport's client.
 */
abstract class TransportContractHttp2Test extends TransportContractTest {
    /** The transport's client, as over HTTP/1.1. */
    protected abstract TransportClient http11Client();

    @Override
    protected final TransportClient client() {
        return new OverHttp2(http11Client());
    }

    @Override
    protected final TestServer startServer(Consumer<ServerConfig.Builder> configure) {
        return OverHttp2.start(configure);
    }
}
