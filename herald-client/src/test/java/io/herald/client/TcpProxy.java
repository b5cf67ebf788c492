package io.herald.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a free loopback port in front of a test server, so that a test can kill the TCP
 * connections under a client ({@link #killAll()}: closed with {@code SO_LINGER 0}, a reset, no
 * goodbye), or play a proxy that refuses WebSocket upgrades ({@code refuseWebSocket}: a request whose
 * first line starts with {@code GET /ws} is answered {@code 403} and closed, every other one is relayed
 * as it is), or a server that is down ({@link #refuseNew}). Thread-safe; a thread per direction per connection.
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final boolean refuseWebSocket;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean refusing;

    TcpProxy(int targetPort, boolean refuseWebSocket) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.refuseWebSocket = refuseWebSocket;
        Thread t = new Thread(this::accept, "tcp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** {@code http://127.0.0.1:PORT}: the base URI of a client going through the relay. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** WebSocket upgrades refused so far. */
    int refused() {
        return refused.get();
    }

    /** While on, new connections are reset as soon as they are accepted (a server that is down). */
    void refuseNew(boolean on) {
        refusing = on;
    }

    /** Resets every relayed connection, both sides (the relay keeps accepting new ones). */
    void killAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        killAll();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    client.setSoLinger(true, 0);
                    client.close();
                    continue;
                }
                accepted.incrementAndGet();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                sockets.add(client);
                sockets.add(upstream);
                start(() -> relayFirst(client, upstream));
                start(() -> relay(upstream, client, new byte[0]));
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void relayFirst(Socket client, Socket upstream) {
        byte[] first = new byte[0];
        if (refuseWebSocket) {
            try {
                InputStream in = client.getInputStream();
                byte[] head = new byte[7];
                int n = 0;
                while (n < head.length) {
                    int r = in.read(head, n, head.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                first = java.util.Arrays.copyOf(head, n);
                if (new String(first, StandardCharsets.US_ASCII).equals("GET /ws")) {
                    refused.incrementAndGet();
                    client.getOutputStream().write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    client.close();
                    upstream.close();
                    return;
                }
            } catch (IOException e) {
                closeBoth(client, upstream);
                return;
            }
        }
        relay(client, upstream, first);
    }

    private void relay(Socket from, Socket to, byte[] first) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            out.write(first);
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            to.shutdownOutput();
        } catch (SocketException closedUnderIt) {
            closeBoth(from, to);
        } catch (IOException e) {
            closeBoth(from, to);
        }
    }

    private void closeBoth(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // gone
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // gone
        }
        sockets.remove(a);
        sockets.remove(b);
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "tcp-proxy-relay");
        t.setDaemon(true);
        t.start();
    }
}
