package io.herald.server;

import java.util.Objects;

/**
 * Where a listener binds: a host (a name or an address, IPv6 without brackets) and a TCP port,
 * written {@code HOST:PORT} ({@code [::1]:9090} for IPv6). Immutable.
 *
 * @param host the address or name to bind, not empty
 * @param port the TCP port, 0..65535; 0 for any free port
 */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host: \"\" (expected: an address or name)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /**
     * Reads {@code HOST:PORT}, e.g. {@code 127.0.0.1:9090}, {@code 0.0.0.0:0}, {@code [::1]:9090}.
     *
     * @throws IllegalArgumentException naming the text and the expected form, e.g.
     *                                  {@code "localhost" is not HOST:PORT (e.g. 127.0.0.1:9090)}
     */
    public static ListenAddress parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        String host = colon < 0 ? "" : t.substring(0, colon);
        String port = colon < 0 ? "" : t.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = ""; // an IPv6 address must be in brackets, or its last group would be taken for the port
        }
        if (host.isEmpty() || host.contains(" ") || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("\"" + text + "\" is not HOST:PORT (e.g. 127.0.0.1:9090, port 0..65535)");
        }
        return new ListenAddress(host, Integer.parseInt(port));
    }

    /** {@code HOST:PORT}, with brackets around an IPv6 address: what {@link #parse} reads. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
