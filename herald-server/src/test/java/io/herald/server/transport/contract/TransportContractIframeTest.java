package io.herald.server.transport.contract;

/** The transport contract over the forever iframe, {@code /iframe/{channel}}. */
class TransportContractIframeTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new IframeClient();
    }
}
