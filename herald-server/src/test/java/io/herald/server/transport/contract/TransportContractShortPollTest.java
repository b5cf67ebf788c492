package io.herald.server.transport.contract;

/** The transport contract over short polling, {@code /poll/{channel}}. */
class TransportContractShortPollTest extends TransportContractTest {
    @Override
    protected TransportClient client() {
        return new ShortPollClient();
    }
}
