package io.herald.server.edge;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of IP address ranges written as CIDRs ({@code 10.0.0.0/8}, {@code fd00::/8}) or single
 * addresses ({@code 192.0.2.7}, {@code ::1}): the trusted proxies of docs/configuration.md
 * ({@code limits.trusted-proxies}). Only address literals are accepted, never host names (no DNS).
 * An IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) is compared as its IPv4 address.
 * Immutable and thread-safe.
 */
public final class AddressRanges {
    private record Range(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }

    /** The empty set. */
    public static final AddressRanges NONE = new AddressRanges(List.of());

    private final List<Range> ranges;

    private AddressRanges(List<Range> ranges) {
        this.ranges = ranges;
    }

    /**
     * Parses CIDRs and addresses.
     *
     * @throws IllegalArgumentException naming the first entry that is neither, e.g.
     *                                  {@code "proxy.local" is not an IP address or CIDR (e.g. 10.0.0.0/8)}
     */
    public static AddressRanges of(List<String> entries) {
        List<Range> out = new ArrayList<>();
        for (String entry : entries) {
            out.add(parse(entry));
        }
        return out.isEmpty() ? NONE : new AddressRanges(List.copyOf(out));
    }

    private static Range parse(String entry) {
        String text = entry.trim();
        int slash = text.indexOf('/');
        byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
        int bits = address == null ? -1 : address.length * 8;
        if (address != null && slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
        }
        if (address == null || bits < 0 || bits > address.length * 8) {
            throw new IllegalArgumentException("\"" + entry + "\" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)");
        }
        return new Range(address, bits);
    }

    /** The bytes of an address literal (IPv4-mapped IPv6 as IPv4), or null when {@code text} is not one. */
    static byte[] literal(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        return bytes == null ? null : unmapped(bytes);
    }

    private static byte[] unmapped(byte[] bytes) {
        if (bytes.length == 16) {
            boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                return Arrays.copyOfRange(bytes, 12, 16);
            }
        }
        return bytes;
    }

    /** Whether no range is configured. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} is in one of the ranges. */
    public boolean contains(InetAddress address) {
        return !ranges.isEmpty() && contains(unmapped(address.getAddress()));
    }

    private boolean contains(byte[] address) {
        for (Range r : ranges) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
