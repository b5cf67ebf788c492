package io.herald.server.edge;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The client's address of a connection or request: the socket peer, or, when the peer is a trusted
 * proxy ({@code limits.trusted-proxies}), the rightmost {@code X-Forwarded-For} address that is not
 * a trusted proxy (docs/protocol.md, "Limits"). The per-address limits and the access log both use
 * {@link #of}. Stateless; {@link #of} and {@link #set} on the channel's event loop.
 */
public final class ClientAddress {
    /** The client address of the request being served on a channel, when it differs from the peer. */
    private static final AttributeKey<InetAddress> FORWARDED = AttributeKey.valueOf("herald.client-address");
    private static final String X_FORWARDED_FOR = "x-forwarded-for";

    private ClientAddress() {
    }

    /**
     * The client's address for {@code channel} (a connection or an HTTP/2 stream): the forwarded
     * address of its current request when it came through a trusted proxy, else the peer's; null
     * when the channel has no IP peer.
     */
    public static InetAddress of(Channel channel) {
        InetAddress forwarded = forwarded(channel);
        return forwarded != null ? forwarded : peer(channel);
    }

    /** The forwarded client of the request on {@code channel} (or, for an HTTP/2 stream, its connection), or null. */
    private static InetAddress forwarded(Channel channel) {
        InetAddress forwarded = channel.hasAttr(FORWARDED) ? channel.attr(FORWARDED).get() : null;
        if (forwarded == null && channel instanceof Http2StreamChannel stream && stream.parent().hasAttr(FORWARDED)) {
            forwarded = stream.parent().attr(FORWARDED).get();
        }
        return forwarded;
    }

    /** The socket peer's address of {@code channel} (an HTTP/2 stream's is its connection's), or null. */
    public static InetAddress peer(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        if (remote == null && channel instanceof Http2StreamChannel) {
            remote = channel.parent().remoteAddress();
        }
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /** Records {@code client} as the address of the request now served on {@code channel}; null clears it. */
    static void set(Channel channel, InetAddress client) {
        channel.attr(FORWARDED).set(client);
    }

    /**
     * The client of a request whose peer is {@code peer}: the peer itself unless it is in
     * {@code trusted}; then the rightmost address of {@code X-Forwarded-For} (all its fields, in
     * order) that is not a trusted proxy. When every hop is trusted the leftmost is the client; an
     * entry that is not an address literal ends the walk at the last trusted hop before it (the
     * client is unknown, so the proxy is held to account).
     */
    public static InetAddress resolve(InetAddress peer, HttpHeaders headers, AddressRanges trusted) {
        if (peer == null || !trusted.contains(peer)) {
            return peer;
        }
        List<String> fields = headers.getAll(X_FORWARDED_FOR);
        InetAddress client = peer;
        for (int f = fields.size() - 1; f >= 0; f--) {
            String[] hops = fields.get(f).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                InetAddress hop = literal(hops[i].trim());
                if (hop == null) {
                    return client;
                }
                client = hop;
                if (!trusted.contains(hop)) {
                    return hop;
                }
            }
        }
        return client;
    }

    /** An address literal, with an optional port ({@code 192.0.2.1:4711}, {@code [2001:db8::1]:4711}); null otherwise. */
    private static InetAddress literal(String text) {
        String t = text;
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            t = end < 0 ? "" : t.substring(1, end);
        } else if (t.indexOf(':') == t.lastIndexOf(':') && t.indexOf(':') > 0) {
            t = t.substring(0, t.indexOf(':'));
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(t);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * The client as a log line shows it: the peer's {@code address:port} ({@code [v6]:port}), or,
     * for a request that came through a trusted proxy, the forwarded client address alone.
     */
    public static String describe(Channel channel) {
        InetAddress forwarded = forwarded(channel);
        if (forwarded != null) {
            return bracketed(forwarded.getHostAddress());
        }
        SocketAddress remote = channel.remoteAddress();
        if (remote instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return bracketed(host) + ":" + inet.getPort();
        }
        return String.valueOf(remote);
    }

    private static String bracketed(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }
}
