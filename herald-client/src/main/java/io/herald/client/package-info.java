/**
 * Herald's Java client: {@link io.herald.client.HeraldClient} publishes ({@code POST /pub}), reads
 * history ({@code GET /history}) and subscribes over the WebSocket protocol ({@code /ws}) with
 * Server-Sent Events as the fallback, reconnecting with backoff and resuming from the last id
 * (docs/protocol.md; usage, threading and backpressure in docs/java-client.md). Depends on the JDK's
 * {@code java.net.http} and Jackson only.
 */
package io.herald.client;
