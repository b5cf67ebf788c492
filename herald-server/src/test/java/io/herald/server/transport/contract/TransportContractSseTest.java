package io.herald.server.transport.contract;

/** The transport contract over Server-Sent Events, {@code /sse/{channel}}. */
class TransportContractSseTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new SseClient();
    }
}
