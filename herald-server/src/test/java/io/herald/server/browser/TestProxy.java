package io.herald.server.browser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small HTTP/1.1 proxy on 127.0.0.1 in front of a Herald, for browser tests of the client's
 * fallback, one thread per connection. It passes each request on with {@code Connection: close}
 * (one request per connection, so the end of a response is the end of the connection), and:
 * <ul>
 *   <li>{@link #buffering}: forwards each response's head at once but holds its body until
 *   {@value #BUFFER_BYTES} bytes are pending or the response ends, like a proxy that buffers for
 *   efficiency; upgrades pass, but their frames are held the same way. Streams therefore look
 *   connected and stay silent; whole responses (polling) get through.</li>
 *   <li>{@link #relaying}: relays everything as it comes; {@link #refuseWebSockets} switches it to
 *   answering WebSocket upgrades 404 from then on, and {@link #relayTo} to another server.</li>
 *   <li>{@link #throttled}: relays as it comes until {@link #throttle} sets a rate, then relays
 *   responses (and upgraded sockets' frames, open ones included) at that rate; it reads from the
 *   server through a 4 KiB receive buffer, like a slow mobile link: the server sees its client fall
 *   behind within seconds (Chromium's own network throttling delays what the page sees
 *   but lets the loopback socket buffers absorb megabytes first).</li>
 * </ul>
 */
final class TestProxy implements AutoCloseable {
    static final int BUFFER_BYTES = 64 * 1024;

    private volatile int upstreamPort;
    private final boolean buffering;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean refuseWebSockets;
    /** Whether the server is read through a small receive buffer (a {@link #throttled} proxy). */
    private final boolean smallBuffer;
    /** Response bytes per second once {@link #throttle}d, else 0. */
    private volatile int bytesPerSecond;

    private TestProxy(int upstreamPort, boolean buffering) throws IOException {
        this(upstreamPort, buffering, false);
    }

    private TestProxy(int upstreamPort, boolean buffering, boolean smallBuffer) throws IOException {
        this.upstreamPort = upstreamPort;
        this.buffering = buffering;
        this.smallBuffer = smallBuffer;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "test-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** A proxy that holds response bodies back until 64 KiB or their end. */
    static TestProxy buffering(int upstreamPort) throws IOException {
        return new TestProxy(upstreamPort, true);
    }

    /** A proxy that relays responses as they come. */
    static TestProxy relaying(int upstreamPort) throws IOException {
        return new TestProxy(upstreamPort, false);
    }

    /** A proxy that reads from the server through a small buffer and relays as it comes until {@link #throttle}d. */
    static TestProxy throttled(int upstreamPort) throws IOException {
        return new TestProxy(upstreamPort, false, true);
    }

    /** From now on, relays responses at {@code bytesPerSecond} ({@link #throttled} proxies), open ones included. */
    TestProxy throttle(int bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        return this;
    }

    /**
     * From now on, passes new connections on to {@code port} instead (open ones are left alone), as
     * a load balancer that moves clients to another node.
     */
    TestProxy relayTo(int port) {
        upstreamPort = port;
        return this;
    }

    /** From now on, answers WebSocket upgrades 404 (open sockets are left alone). */
    TestProxy refuseWebSockets() {
        refuseWebSockets = true;
        return this;
    }

    /** {@code http://127.0.0.1:PORT}. */
    String origin() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread t = new Thread(() -> serve(client), "test-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = new Socket();
        sockets.add(upstream);
        try (client; upstream) {
            InputStream fromClient = client.getInputStream();
            String head = readHead(fromClient);
            if (head == null) {
                return;
            }
            boolean upgrade = head.toLowerCase(Locale.ROOT).contains("\nupgrade: websocket");
            if (upgrade && refuseWebSockets) {
                String body = "{\"error\":{\"code\":\"not_found\",\"message\":\"this proxy refuses WebSocket\"}}";
                client.getOutputStream().write(("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (smallBuffer) {
                upstream.setReceiveBufferSize(4096); // before connecting: a small TCP window from the start
            }
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
            OutputStream toUpstream = upstream.getOutputStream();
            toUpstream.write((upgrade ? head : closeAfter(head)).getBytes(StandardCharsets.ISO_8859_1));
            toUpstream.flush();
            Thread requests = new Thread(() -> pump(fromClient, toUpstream, upstream), "test-proxy-up");
            requests.setDaemon(true);
            requests.start();
            relayResponse(upstream.getInputStream(), client.getOutputStream());
        } catch (IOException e) {
            // a side closed: the connection ends
        } finally {
            sockets.remove(client);
            sockets.remove(upstream);
        }
    }

    private void relayResponse(InputStream in, OutputStream out) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return;
        }
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        // throttled: a twentieth of a second's bytes per read, then the pause they take at the rate
        while ((n = in.read(buf, 0, bytesPerSecond > 0 ? Math.min(buf.length, Math.max(1, bytesPerSecond / 20)) : buf.length)) > 0) {
            int rate = bytesPerSecond;
            if (rate > 0) {
                out.write(buf, 0, n);
                out.flush();
                try {
                    Thread.sleep(n * 1000L / rate);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            if (!buffering) {
                out.write(buf, 0, n);
                out.flush();
                continue;
            }
            held.write(buf, 0, n);
            if (held.size() >= BUFFER_BYTES) {
                held.writeTo(out);
                out.flush();
                held.reset();
            }
        }
        held.writeTo(out);
        out.flush();
    }

    /** Copies the rest of the request (a body, WebSocket frames) upstream; closes it when the client is gone. */
    private static void pump(InputStream in, OutputStream out, Socket upstream) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        }
        try {
            upstream.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** The head with {@code Connection: close} instead of any connection options. */
    private static String closeAfter(String head) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (!line.isEmpty() && !lower.startsWith("connection:") && !lower.startsWith("keep-alive:")) {
                out.append(line).append("\r\n");
            }
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    /** Reads up to and including the blank line ending a head, as ISO-8859-1; null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
