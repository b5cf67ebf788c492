package io.herald.server.transport.contract;

/** The transport contract over XHR streaming, {@code /stream/{channel}}. */
class TransportContractXhrStreamTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new XhrStreamClient();
    }
}
