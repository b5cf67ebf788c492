package io.herald.server.transport.contract;

/** The transport contract of {@link TransportContractShortPollTest} over HTTP/2. */
class TransportContractShortPollHttp2Test extends TransportContractHttp2Test {
    @Override
    protected TransportClient http11Client() {
        return new ShortPollClient();
    }
}
