package io.herald.server.transport.contract;

/** The transport contract over long polling, {@code /longpoll/{channel}}. */
class TransportContractLongPollTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new LongPollClient();
    }
}
