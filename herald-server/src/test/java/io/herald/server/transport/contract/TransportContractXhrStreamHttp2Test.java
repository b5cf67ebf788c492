package io.herald.server.transport.contract;

/** The transport contract of {@link TransportContractXhrStreamTest} over HTTP/2. */
class TransportContractXhrStreamHttp2Test extends TransportContractHttp2Test {
    @Override
    protected TransportClient http11Client() {
        return new XhrStreamClient();
    }
}
