package io.herald.server.socketio;

import io.herald.server.socketio.SioNamespace.SioSocket;
import io.herald.server.socketio.engine.EngineHandler;
import io.herald.server.socketio.engine.EnginePacket;
import io.herald.server.socketio.engine.EngineSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Socket.IO v5 layer of one Engine.IO session (docs/protocol.md, "Socket.IO"): parses packets,
 * joins binary attachments to their packet, dispatches {@code CONNECT} to the namespaces,
 * {@code DISCONNECT} and events to the connected sockets, and encodes what they send. A packet that
 * is not valid, an event for a namespace not connected, or a binary message nobody announced closes
 * the Engine.IO session (as the reference server does), and so does a packet announcing more than
 * {@value #MAX_ATTACHMENTS} attachments or attachments of more than {@code maxPayload} bytes together.
 * A session that connects no namespace within the connect timeout is closed too.
 *
 * <p>Every method runs on the Engine.IO session's event loop ({@link #loop()}).
 */
public final class SioConnection implements EngineHandler {
    /** The most binary attachments one packet may announce; more closes the connection (docs/protocol.md, "Socket.IO"). */
    static final int MAX_ATTACHMENTS = 10;

    private final EngineSocket engine;
    /** The most bytes a packet's attachments may hold together ({@code maxPayload}). */
    private final int maxAttachmentBytes;
    /** The bytes of {@link #partial}'s attachments received so far. */
    private long partialBytes;
    private final Map<String, SioNamespace> namespaces;
    private final Map<String, SioSocket> sockets = new HashMap<>();
    /** A binary event or ack waiting for its attachments, else null. */
    private SioPacket partial;
    private io.netty.util.concurrent.ScheduledFuture<?> connectTimeout;

    /**
     * @param engine         the Engine.IO session
     * @param namespaces     the namespaces clients may connect to, by name
     * @param connectTimeout how long the session may go without a connected namespace
     * @param maxAttachmentBytes the most bytes one packet's binary attachments may hold together
     */
    SioConnection(EngineSocket engine, Map<String, SioNamespace> namespaces, Duration connectTimeout, int maxAttachmentBytes) {
        this.engine = engine;
        this.maxAttachmentBytes = maxAttachmentBytes;
        this.namespaces = namespaces;
        this.connectTimeout = engine.loop().schedule(() -> {
            if (sockets.isEmpty()) {
                engine.close("connect timeout");
            }
        }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A new random id (a socket's {@code sid}, a recovery {@code pid}): 20 URL-safe characters. Any thread. */
    public static String newId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The Engine.IO session under this connection. */
    public EngineSocket engine() {
        return engine;
    }

    @Override
    public void text(String text) {
        if (partial != null) {
            engine.close("parse error"); // a text packet before the announced attachments
            return;
        }
        SioPacket p;
        try {
            p = SioPacket.parse(text);
        } catch (IllegalArgumentException e) {
            engine.close("parse error");
            return;
        }
        if (p.attachments() > MAX_ATTACHMENTS) {
            engine.close("parse error"); // a bound on what one packet may make the server hold
            return;
        }
        if (p.attachments() > 0) {
            partial = p;
            partialBytes = 0;
        } else {
            dispatch(p);
        }
    }

    @Override
    public void binary(byte[] bytes) {
        if (partial == null) {
            engine.close("parse error");
            return;
        }
        partialBytes += bytes.length;
        if (partialBytes > maxAttachmentBytes) {
            partial = null;
            engine.close("parse error"); // the attachments of one packet over maxPayload
            return;
        }
        partial.buffers().add(bytes);
        if (partial.complete()) {
            SioPacket p = partial;
            partial = null;
            dispatch(p);
        }
    }

    private void dispatch(SioPacket p) {
        SioSocket socket = sockets.get(p.namespace());
        switch (p.type()) {
            case SioPacket.CONNECT -> {
                if (socket != null) {
                    return; // already connected: the reference server ignores it too
                }
                SioNamespace ns = namespaces.get(p.namespace());
                if (ns == null) {
                    connectError(p.namespace(), "{\"message\":\"Invalid namespace\"}");
                    return;
                }
                SioSocket s = ns.connect(this, p.namespace(), p.data());
                if (s != null) {
                    sockets.put(p.namespace(), s);
                    if (connectTimeout != null) {
                        connectTimeout.cancel(false);
                        connectTimeout = null;
                    }
                }
            }
            case SioPacket.DISCONNECT -> {
                if (socket != null) {
                    sockets.remove(p.namespace());
                    socket.disconnected("client namespace disconnect");
                }
            }
            case SioPacket.EVENT, SioPacket.BINARY_EVENT -> {
                if (socket == null) {
                    engine.close("parse error");
                } else {
                    socket.event(p);
                }
            }
            case SioPacket.ACK, SioPacket.BINARY_ACK -> {
                if (socket == null) {
                    engine.close("parse error");
                }
                // the server emits nothing that asks for an acknowledgement: an ack is ignored
            }
            default -> engine.close("parse error"); // CONNECT_ERROR is never sent by a client
        }
    }

    @Override
    public void drained() {
        for (SioSocket s : new ArrayList<>(sockets.values())) {
            s.drained();
        }
    }

    @Override
    public void closed(String reason) {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
        List<SioSocket> all = new ArrayList<>(sockets.values());
        sockets.clear();
        for (SioSocket s : all) {
            s.disconnected(reason);
        }
    }

    // ---- sending (not flushed: call flush()) ----

    /** Answers a {@code CONNECT} with success: {@code 0[/nsp,]{json}}. */
    public void connected(String namespace, String json) {
        engine.send(EnginePacket.message(SioPacket.encode(SioPacket.CONNECT, namespace, -1, 0, json)));
    }

    /** Answers a {@code CONNECT} with a refusal: {@code 4[/nsp,]{"message":..}}. */
    public void connectError(String namespace, String json) {
        engine.send(EnginePacket.message(SioPacket.encode(SioPacket.CONNECT_ERROR, namespace, -1, 0, json)));
        engine.flush();
    }

    /** An event: {@code arrayJson} is the JSON array of its name and arguments. */
    public void emit(String namespace, String arrayJson) {
        engine.send(EnginePacket.message(SioPacket.encode(SioPacket.EVENT, namespace, -1, 0, arrayJson)));
    }

    /**
     * An event already encoded as the UTF-8 parts of its packet (what {@link SioPacket#encode} makes
     * of it, e.g. {@code 2["publication",{...},"news=k3x9ab-42"]}), concatenated as they are: a
     * publication's shared envelope bytes are copied, never decoded into a String.
     */
    public void emitEncoded(byte[]... packetUtf8) {
        engine.send(EnginePacket.message(packetUtf8));
    }

    /**
     * An event packet built once for many sockets ({@link EnginePacket#shared}): its bytes, and over
     * a WebSocket its frame, are shared by every session it is sent on.
     */
    public void emitShared(EnginePacket packet) {
        engine.send(packet);
    }

    /** An acknowledgement of the client's event {@code id}: {@code arrayJson} is the JSON array of its arguments. */
    public void ack(String namespace, long id, String arrayJson) {
        engine.send(EnginePacket.message(SioPacket.encode(SioPacket.ACK, namespace, id, 0, arrayJson)));
    }

    /**
     * A packet with binary attachments (an event when {@code id < 0}, else an ack) followed by the
     * attachments, each a binary message.
     */
    public void sendBinary(String namespace, long id, boolean ack, String arrayJson, List<byte[]> buffers) {
        engine.send(EnginePacket.message(SioPacket.encode(ack ? SioPacket.BINARY_ACK : SioPacket.BINARY_EVENT,
                namespace, id, buffers.size(), arrayJson)));
        for (byte[] b : buffers) {
            engine.send(EnginePacket.binary(b));
        }
    }

    /** Tells the client its socket of {@code namespace} was disconnected by the server, and forgets it. */
    public void disconnect(String namespace) {
        if (sockets.remove(namespace) != null) {
            engine.send(EnginePacket.message(SioPacket.encode(SioPacket.DISCONNECT, namespace, -1, 0, null)));
            engine.flush();
        }
    }

    /** Sends what was queued. */
    public void flush() {
        engine.flush();
    }

    /** Whether the connection takes more packets now ({@link EngineSocket#writable()}). */
    public boolean writable() {
        return engine.writable();
    }
}
