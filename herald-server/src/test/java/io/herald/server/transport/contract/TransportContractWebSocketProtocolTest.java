package io.herald.server.transport.contract;

/** The transport contract over the WebSocket protocol, {@code /ws}. */
class TransportContractWebSocketProtocolTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new ProtocolWebSocketClient();
    }
}
