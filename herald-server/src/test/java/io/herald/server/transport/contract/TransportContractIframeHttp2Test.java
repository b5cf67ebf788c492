package io.herald.server.transport.contract;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.util.function.Consumer;

/** The transport contract of {@link TransportContractIframeTest} with every request a stream of an HTTP/2 connection over TLS. */
class TransportContractIframeHttp2Test extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new OverHttp2(new IframeClient());
    }

    @Override
    protected TestServer startServer(Consumer<ServerConfig.Builder> configure) {
        return OverHttp2.start(configure);
    }
}
