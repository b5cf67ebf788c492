package io.herald.server.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The network transports Netty offers the server's sockets, the values of the setting
 * {@code server.io-transport} (docs/configuration.md, "Configuration file"): io_uring (Linux 5.14
 * and later, when the kernel and its seccomp policy allow it), epoll (Linux) and NIO (any JVM),
 * and {@code auto}, which takes the first of {@link #AUTO_ORDER} this machine offers. Each concrete
 * transport knows whether it is available here (its native library loaded and its system calls
 * worked) and gives the event-loop factory and channel classes a bootstrap needs. Immutable,
 * thread-safe; availability is probed once per JVM by Netty.
 */
public enum IoTransport {
    /** The first available of {@link #AUTO_ORDER}; falls back quietly. */
    AUTO("auto", () -> null, null, null, null),
    /** Linux io_uring: submission and completion rings instead of one system call per read or write. */
    IO_URING("io_uring", IoUring::unavailabilityCause, () -> IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
            .setRingSize(IoTransport.URING_SUBMISSIONS).setCqSize(IoTransport.URING_COMPLETIONS)),
            IoUringServerSocketChannel.class, IoUringSocketChannel.class),
    /** Linux epoll, edge-triggered. */
    EPOLL("epoll", Epoll::unavailabilityCause, EpollIoHandler::newFactory,
            EpollServerSocketChannel.class, EpollSocketChannel.class),
    /** Java NIO selectors: every platform. */
    NIO("nio", () -> null, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    /**
     * The order {@link #AUTO} tries: epoll, then NIO; io_uring only when named. Measured here
     * (docs/benchmarks.md, "2026-12-01: Netty 4.2, io_uring against epoll (issue 14)"), io_uring made
     * 3 to 9 times fewer system calls per delivery but fell seconds behind at 1,000 and 10,000
     * subscribers, with deliveries still missing 5 s after the window, where epoll delivered
     * everything; it is not the better transport for Herald yet.
     */
    public static final List<IoTransport> AUTO_ORDER = List.of(EPOLL, NIO);

    /**
     * The submission ring of each io_uring event loop, in entries: Netty submits when it is full, so
     * a fan-out to thousands of connections enters the kernel once per this many writes. Netty's
     * default is 128.
     */
    static final int URING_SUBMISSIONS = 4096;
    /**
     * The completion ring of each io_uring event loop, in entries (16 bytes each: 1 MiB): one write
     * completion per connection per fan-out, plus the reads. With Netty's default (4,096) 1,000
     * WebSocket subscribers at 100 publications/s overflowed it 4,544 times in one run, each overflow
     * logged as a warning on the event loop; with this size none at 1,000 subscribers, and 96 to 140
     * at 10,000 (docs/benchmarks.md, "2026-12-01: Netty 4.2, io_uring against epoll (issue 14)").
     * 65,536 is the kernel's largest.
     */
    static final int URING_COMPLETIONS = 65536;

    private final String word;
    private final Supplier<Throwable> unavailabilityCause;
    private final Supplier<IoHandlerFactory> handlers;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    IoTransport(String word, Supplier<Throwable> unavailabilityCause, Supplier<IoHandlerFactory> handlers,
                Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
        this.word = word;
        this.unavailabilityCause = unavailabilityCause;
        this.handlers = handlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /** The word of the setting: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
    public String word() {
        return word;
    }

    /** Every word, as a configuration error lists them: {@code auto, io_uring, epoll or nio}. */
    public static String words() {
        String all = Arrays.stream(values()).map(IoTransport::word).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }

    /**
     * The transport named {@code word}.
     *
     * @throws IllegalArgumentException when no transport has that word
     */
    public static IoTransport of(String word) {
        for (IoTransport t : values()) {
            if (t.word.equals(word)) {
                return t;
            }
        }
        throw new IllegalArgumentException("\"" + word + "\" is not " + words());
    }

    /**
     * Why this transport cannot be used here, in one line (e.g. Netty's "failed to load the native
     * library" or the kernel's refusal of {@code io_uring_setup}), or null when it can. Always null
     * for {@link #AUTO} and {@link #NIO}.
     */
    public String unavailability() {
        Throwable cause = unavailabilityCause.get();
        if (cause == null) {
            return null;
        }
        StringBuilder why = new StringBuilder(String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
        for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && why.indexOf(c.getMessage()) < 0) {
                why.append(": ").append(c.getMessage());
            }
        }
        return why.toString().replaceAll("\\s+", " ").trim();
    }

    /** Whether this transport can be used here; {@link #AUTO} always can. */
    public boolean available() {
        return unavailability() == null;
    }

    /**
     * The concrete transport to run: this one, or for {@link #AUTO} the first of
     * {@link #AUTO_ORDER} that is available, with why the ones before it were passed over.
     *
     * @throws IllegalStateException when this transport is not available here (the configuration
     *                               check, {@link io.herald.server.ServerConfig}, reports that first)
     */
    public Choice resolve() {
        if (this != AUTO) {
            String why = unavailability();
            if (why != null) {
                throw new IllegalStateException(word + " is not available: " + why);
            }
            return new Choice(this, null);
        }
        StringBuilder passed = new StringBuilder();
        for (IoTransport t : AUTO_ORDER) {
            String why = t.unavailability();
            if (why == null) {
                return new Choice(t, passed.length() == 0 ? null : passed.toString());
            }
            passed.append(passed.length() == 0 ? "" : "; ").append(t.word).append(" is not available: ").append(why);
        }
        throw new AssertionError("nio is always available");
    }

    /**
     * A group of {@code threads} event loops of this concrete transport, each with its own I/O
     * handler (Netty 4.2's {@link MultiThreadIoEventLoopGroup}).
     *
     * @throws IllegalStateException for {@link #AUTO} (resolve it first)
     */
    public MultiThreadIoEventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, concrete().handlers.get());
    }

    /** The server socket channel class of this concrete transport. */
    public Class<? extends ServerChannel> serverChannel() {
        return concrete().serverChannel;
    }

    /** The client socket channel class of this concrete transport (for clients on its loops). */
    public Class<? extends SocketChannel> socketChannel() {
        return concrete().socketChannel;
    }

    private IoTransport concrete() {
        if (this == AUTO) {
            throw new IllegalStateException("auto is not a transport: resolve() it first");
        }
        return this;
    }

    /**
     * The transport {@link #resolve()} picked.
     *
     * @param transport the concrete transport (never {@link #AUTO})
     * @param fallback  for {@code auto}, why the preferred transports were passed over (one line), or
     *                  null when the first was taken or one was named
     */
    public record Choice(IoTransport transport, String fallback) {
    }
}
