package io.herald.server.transport.contract;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.net.Socket;

/**
 * A subscriber's side of one push transport, for {@link TransportContractTest}: it opens a
 * subscription from a position the way that transport's clients do and turns what arrives on the
 * wire into {@link Signal}s, checking the wire format strictly on the way (a line, event or frame it
 * does not recognise fails the test). One implementation per transport.
 */
public interface TransportClient {
    /** How long {@link Subscription#next()} waits for the next signal. */
    java.time.Duration WAIT = java.time.Duration.ofSeconds(10);

    /** Behaviours of the contract that not every transport can have. */
    enum Behaviour {
        /** Without a position, only publications made after subscribing arrive. */
        LIVE_ONLY,
        /** An idle stream carries heartbeats. */
        HEARTBEAT,
        /** A subscriber that stops reading is disconnected when its outbound queue is full. */
        SLOW_CONSUMER_CUT,
        /** When the server shuts down, a subscriber gets a goodbye, then the connection ends. */
        SHUTDOWN_GOODBYE,
        /**
         * When the server drops a session (e.g. {@code 4003 forced reconnect}), the subscriber gets
         * a goodbye with the code, then the connection ends.
         */
        DROP_GOODBYE
    }

    /** The transport's name, for messages. */
    String name();

    /** Why this transport cannot have {@code behaviour} (the reason the test is skipped), or null when it has it. */
    default String cannot(Behaviour behaviour) {
        return null;
    }

    /** Server settings this transport's tests use on top of the suite's; none by default. */
    default void configure(ServerConfig.Builder config) {
    }

    /**
     * Subscribes to {@code channel} on {@code server}.
     *
     * @param since the position to resume after (the id of the last publication received, or a
     *              channel's {@code EPOCH-0}), or null for live publications only
     * @return the subscription, once its request is on its way (a stream's response has started)
     */
    Subscription open(TestServer server, String channel, String since) throws Exception;

    /**
     * Subscribes to {@code channel} over {@code socket} (connected to the server, with a small
     * receive buffer) and then reads nothing but what the handshake needs: a client that stalls.
     *
     * @return how what the server sends it after that begins (e.g. {@code HTTP/1.1 200 OK})
     * @throws UnsupportedOperationException where {@link Behaviour#SLOW_CONSUMER_CUT} does not apply
     */
    default String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        throw new UnsupportedOperationException(name() + " has no stalled subscriber");
    }

    /**
     * Sends {@code GET path} on {@code socket}, for {@link #subscribeWithoutReading} on HTTP streams.
     *
     * @return the start of a 200 answer
     */
    static String get(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return "HTTP/1.1 200 OK\r\n";
    }

    /** An open subscription. Not thread-safe. */
    interface Subscription extends AutoCloseable {
        /**
         * The next signal.
         *
         * @throws AssertionError when nothing arrives within {@link #WAIT}, or what arrives breaks
         *                        the transport's wire format
         */
        Signal next() throws Exception;

        /** Drops the connection at once, as a client that goes away mid-stream: no goodbye of its own. */
        @Override
        void close();
    }
}
