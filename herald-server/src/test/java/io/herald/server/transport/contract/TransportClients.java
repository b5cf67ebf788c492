package io.herald.server.transport.contract;

import java.util.List;

/**
 * The subscriber side of every push transport over cleartext HTTP/1.1, one {@link TransportClient}
 * each, for tests outside this package that run one scenario on every transport (the multi-node
 * tests of {@code io.herald.server.multinode}).
 */
public final class TransportClients {
    private TransportClients() {
    }

    /**
     * SSE, the WebSocket protocol, the raw WebSocket, XHR streaming, the forever iframe, long
     * polling and short polling, in that order; new instances.
     */
    public static List<TransportClient> all() {
        return List.of(new SseClient(), new ProtocolWebSocketClient(), new RawWebSocketClient(), new XhrStreamClient(),
                new IframeClient(), new LongPollClient(), new ShortPollClient());
    }

    /** SSE. */
    public static TransportClient sse() {
        return new SseClient();
    }

    /** The WebSocket protocol ({@code /ws} with commands). */
    public static TransportClient webSocketProtocol() {
        return new ProtocolWebSocketClient();
    }

    /** The raw WebSocket ({@code /ws/{channel}}). */
    public static TransportClient rawWebSocket() {
        return new RawWebSocketClient();
    }
}
