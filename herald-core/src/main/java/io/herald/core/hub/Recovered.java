package io.herald.core.hub;

import io.herald.core.Publication;

/**
 * A publication replayed from history on subscribe, as queued: it does not count against the
 * outbound queue's byte bound. The publication is shared with history, so queuing it costs a
 * reference, and history is itself bounded; counting it would cut every client that resumes from
 * further back than its queue bound, again on every retry. The session's drain unwraps it, so
 * transports only ever see the {@link Publication}.
 *
 * @param publication the replayed publication
 */
record Recovered(Publication publication) implements Push {
    @Override
    public int estimatedSize() {
        return 0;
    }
}
