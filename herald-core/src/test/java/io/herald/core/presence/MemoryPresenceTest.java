package io.herald.core.presence;

import io.herald.core.broker.MemoryBroker;

/** The in-memory presence store, as the memory broker hands it out, against the contract. */
class MemoryPresenceTest extends PresenceStoreContractTest {
    @Override
    protected PresenceStore newStore() {
        return new MemoryBroker().presence();
    }

    @Override
    protected PresenceStore newPeer() {
        return store; // one process, one node
    }
}
