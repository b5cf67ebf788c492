package io.herald.server.transport.contract;

/** The transport contract over the raw WebSocket, {@code /ws/{channel}}. */
class TransportContractWebSocketRawTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new RawWebSocketClient();
    }
}
