package io.herald.server.transport.contract;

/** The transport contract of {@link TransportContractIframeTest} over HTTP/2. */
class TransportContractIframeHttp2Test extends TransportContractHttp2Test {
    @Override
    protected TransportClient http11Client() {
        return new IframeClient();
    }
}
