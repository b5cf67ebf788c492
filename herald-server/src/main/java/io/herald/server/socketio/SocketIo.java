package io.herald.server.socketio;

import io.herald.core.Node;
import io.herald.server.ServerConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.http.Router;
import io.herald.server.http.Router.Preflight;
import io.herald.server.socketio.engine.EngineConfig;
import io.herald.server.socketio.engine.EngineServer;
import java.time.Duration;
import java.util.Map;

/**
 * The Socket.IO endpoint, {@code /socket.io/} (Engine.IO v4, Socket.IO v5; docs/protocol.md,
 * "Socket.IO"), and with {@code conformance} on the upstream suites' test services: the Engine.IO
 * echo server at {@code /engine.io/} and the suite's namespaces {@code /} and {@code /custom} at
 * {@code /socket.io/}, with a ping interval of 300 ms, a ping timeout of 200 ms and a 1,000,000-byte
 * payload limit (docs/compatibility.md).
 */
public final class SocketIo {
    /** The ping timeout announced outside conformance mode (the reference server's default). */
    public static final Duration PING_TIMEOUT = Duration.ofSeconds(20);
    /** How long a connection may go without a connected namespace (the reference server's default). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(45);
    /** The conformance suites' settings. */
    public static final EngineConfig CONFORMANCE = new EngineConfig(Duration.ofMillis(300), Duration.ofMillis(200),
            1_000_000, 4L << 20);

    private final EngineServer socketIo;
    private final EngineServer engineIo;

    private SocketIo(EngineServer socketIo, EngineServer engineIo) {
        this.socketIo = socketIo;
        this.engineIo = engineIo;
    }

    /**
     * Routes {@code /socket.io/} (and with {@code conformance}, {@code /engine.io/}) on {@code router}.
     *
     * @param node        the node Socket.IO sockets subscribe and publish on
     * @param config      the server configuration: {@code heartbeat} is the ping interval, the node's
     *                    {@code maxPayloadBytes} the payload limit and its queue bound the queue's
     * @param credentials the token keys; access control is on when it has a verifier
     * @return the endpoints, to close their sessions at shutdown
     */
    public static SocketIo install(Router router, Node node, ServerConfig config, Credentials credentials) {
        EngineConfig engine = config.conformance() ? CONFORMANCE
                : new EngineConfig(config.heartbeat(), PING_TIMEOUT, maxPayload(config), node.config().queueMaxBytes());
        // the queue of a session is bounded like a Herald session's (limits.queue-max-bytes)
        Map<String, SioNamespace> namespaces = config.conformance()
                ? Map.of("/", new ConformanceNamespace(), "/custom", new ConformanceNamespace())
                : Map.of("/", new HeraldNamespace(node, config, credentials));
        Duration connectTimeout = CONNECT_TIMEOUT;
        EngineServer socketIo = new EngineServer(engine, s -> new SioConnection(s, namespaces, connectTimeout, engine.maxPayload()));
        // Loads the packet parser (Jackson) now rather than on the first client's CONNECT, whose answer
        // would otherwise wait for the class loading.
        SioPacket.parse("2[\"ready\",{\"a\":[1]}]");
        router.mount("socket.io", socketIo, Preflight.ROUTER);
        EngineServer engineIo = null;
        if (config.conformance()) {
            engineIo = new EngineServer(CONFORMANCE, ConformanceNamespace.ECHO);
            router.mount("engine.io", engineIo, Preflight.ROUTER);
        }
        return new SocketIo(socketIo, engineIo);
    }

    /**
     * The largest request body and WebSocket message the endpoints take: the node's payload limit
     * ({@code limits.max-payload}; a Socket.IO event's framing counts), in conformance mode at least
     * the suites' 1,000,000 bytes. The server's request body limit is this too.
     */
    public static int maxPayload(ServerConfig config) {
        return config.conformance() ? Math.max(CONFORMANCE.maxPayload(), config.node().maxPayloadBytes())
                : config.node().maxPayloadBytes();
    }

    /** Closes every Engine.IO session of the endpoints. Any thread. */
    public void closeAll() {
        socketIo.closeAll();
        if (engineIo != null) {
            engineIo.closeAll();
        }
    }
}
