package io.herald.client;

/**
 * The server's answer to a stored publication (docs/protocol.md, "Publishing"). Immutable.
 *
 * @param channel the channel
 * @param id      the publication's id, {@code EPOCH-OFFSET}: a position to resume after
 * @param offset  its offset in the channel's stream (from 1)
 * @param epoch   the stream's epoch (the id up to its last {@code -})
 */
public record PublishResult(String channel, String id, long offset, String epoch) {
}
