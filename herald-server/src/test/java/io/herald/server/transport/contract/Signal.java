package io.herald.server.transport.contract;

/**
 * One thing a subscriber receives, whatever the transport's wire format, as a
 * {@link TransportClient.Subscription} reads it.
 *
 * @param kind      what it is
 * @param id        a publication's id; a reset's current id; a goodbye's resume position where the
 *                  transport carries one (raw WebSocket close reason, long polling's {@code next}),
 *                  else null
 * @param event     a publication's event type where the transport carries it, else null
 * @param data      a publication's payload: the text as published, the JSON value (as published or
 *                  compact: compare it parsed) or, for binary payloads, their base64
 * @param code      a goodbye's or a WebSocket close frame's code where carried, else null
 * @param reason    a goodbye's reason where carried, else null
 * @param reconnect a goodbye's reconnect advice where carried, else null
 */
public record Signal(Kind kind, String id, String event, String data, Integer code, String reason, Boolean reconnect) {
    /** The kinds of signal. */
    public enum Kind {
        /** A publication. */
        PUBLICATION,
        /** The position could not be served: the subscription goes on live from {@code id}. */
        RESET,
        /** A heartbeat on an idle stream. */
        HEARTBEAT,
        /** The server's goodbye before it ends the connection. */
        GOODBYE,
        /** The end of the stream or socket. */
        END
    }

    /** A publication. */
    public static Signal publication(String id, String event, String data) {
        return new Signal(Kind.PUBLICATION, id, event, data, null, null, null);
    }

    /** A reset to {@code current}. */
    public static Signal reset(String current) {
        return new Signal(Kind.RESET, current, null, null, null, null, null);
    }

    /** A heartbeat. */
    public static Signal heartbeat() {
        return new Signal(Kind.HEARTBEAT, null, null, null, null, null, null);
    }

    /** A goodbye; any part may be null where the transport does not carry it. */
    public static Signal goodbye(Integer code, String reason, Boolean reconnect, String position) {
        return new Signal(Kind.GOODBYE, position, null, null, code, reason, reconnect);
    }

    /** The end; {@code closeCode} is the WebSocket close frame's code, null for a stream's end. */
    public static Signal end(Integer closeCode) {
        return new Signal(Kind.END, null, null, null, closeCode, null, null);
    }
}
