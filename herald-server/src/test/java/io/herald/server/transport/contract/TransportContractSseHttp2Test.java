package io.herald.server.transport.contract;

/** The transport contract of {@link TransportContractSseTest} over HTTP/2. */
class TransportContractSseHttp2Test extends TransportContractHttp2Test {
    @Override
    protected TransportClient http11Client() {
        return new SseClient();
    }
}
