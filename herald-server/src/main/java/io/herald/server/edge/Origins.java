package io.herald.server.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The origins allowed to use the server ({@code cors.allowed-origins}, docs/protocol.md "HTTP
 * conventions"), and the one decision whether a request's {@code Origin} header (RFC 6454,
 * section 7) is one of them.
 *
 * <p>An entry is {@code scheme://host[:port]}, compared after parsing, lower-cased, with the
 * scheme's default port made explicit ({@code https://a.example:443} is {@code https://a.example});
 * a {@code *} may stand only for the whole leftmost label of the host ({@code https://*.example.com}
 * allows {@code https://app.example.com}, not {@code https://example.com} nor
 * {@code https://a.b.example.com}); {@code null} allows the opaque origin browsers send from
 * sandboxed frames and {@code file:} pages, and only when listed. There is no substring or suffix
 * matching. Hosts must be ASCII (an internationalized name is listed and sent in its {@code xn--}
 * form), so a look-alike with a Cyrillic letter never matches. Immutable and thread-safe.
 */
public final class Origins {
    /** The origin of opaque contexts, as browsers send it. */
    public static final String NULL = "null";

    /** One parsed origin: lower-case scheme and host, explicit port; {@code wildcard} when the host was {@code *.rest}. */
    record Origin(String scheme, String host, int port, boolean wildcard) {
        /** Whether {@code other} (a parsed header, never a wildcard) is this origin or matches its wildcard. */
        boolean matches(Origin other) {
            if (!scheme.equals(other.scheme) || port != other.port) {
                return false;
            }
            if (!wildcard) {
                return host.equals(other.host);
            }
            int dot = other.host.indexOf('.');
            return dot > 0 && other.host.substring(dot + 1).equals(host);
        }
    }

    private static final Origins NONE = new Origins(List.of(), false);

    private final List<Origin> allowed;
    private final boolean allowNull;

    private Origins(List<Origin> allowed, boolean allowNull) {
        this.allowed = allowed;
        this.allowNull = allowNull;
    }

    /**
     * Parses the allow-list.
     *
     * @throws IllegalArgumentException naming the first entry that is not an origin, e.g.
     *                                  {@code "https://a.example/path" is not an origin (scheme://host[:port], ...)}
     */
    public static Origins of(List<String> entries) {
        List<Origin> out = new ArrayList<>();
        boolean allowNull = false;
        for (String entry : entries) {
            String text = entry.trim();
            if (text.equals(NULL)) {
                allowNull = true;
                continue;
            }
            Origin o = parse(text, true);
            if (o == null) {
                throw new IllegalArgumentException("\"" + entry + "\" is not an origin (scheme://host[:port], a * only as"
                        + " the leftmost label as in https://*.example.com, or null)");
            }
            out.add(o);
        }
        return out.isEmpty() && !allowNull ? NONE : new Origins(List.copyOf(out), allowNull);
    }

    /** Whether the list is empty: every origin may use the server, answered {@code Access-Control-Allow-Origin: *}. */
    public boolean isEmpty() {
        return allowed.isEmpty() && !allowNull;
    }

    /** The entries as written in a {@code frame-ancestors} source list (wildcards kept), without {@code null}. */
    public List<String> sources() {
        return allowed.stream().map(Origins::format).toList();
    }

    /** Whether the {@code Origin} header value {@code origin} is on the list (false for anything that is not an origin). */
    public boolean allows(String origin) {
        if (origin.equals(NULL)) {
            return allowNull;
        }
        Origin o = parse(origin, false);
        if (o == null) {
            return false;
        }
        for (Origin a : allowed) {
            if (a.matches(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code origin} is the server's own origin for a request that arrived with {@code host}
     * (its {@code Host} header or {@code :authority}) on a listener speaking {@code scheme}.
     */
    public static boolean sameOrigin(String origin, String host, String scheme) {
        if (host == null || origin.equals(NULL)) {
            return false;
        }
        Origin o = parse(origin, false);
        Origin h = parse(scheme + "://" + host, false);
        return o != null && h != null && o.matches(h);
    }

    /**
     * Parses {@code scheme://host[:port]}: a scheme of letters, digits, {@code +.-}; an ASCII host
     * name or IPv4 address or bracketed IPv6 address; an optional port 1-65535; nothing else (no
     * path, user, query or fragment). Null when {@code text} is not one.
     */
    static Origin parse(String text, boolean wildcardAllowed) {
        int sep = text.indexOf("://");
        if (sep <= 0) {
            return null;
        }
        String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
        if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
            return null;
        }
        String authority = text.substring(sep + 3);
        String host = authority;
        int port = -1;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && authority.indexOf(']', colon) < 0) {
            host = authority.substring(0, colon);
            String digits = authority.substring(colon + 1);
            if (!digits.matches("[0-9]{1,5}")) {
                return null;
            }
            port = Integer.parseInt(digits);
            if (port < 1 || port > 65535) {
                return null;
            }
        }
        host = host.toLowerCase(Locale.ROOT);
        boolean wildcard = false;
        if (wildcardAllowed && host.startsWith("*.")) {
            wildcard = true;
            host = host.substring(2);
            if (host.indexOf('.') < 0) {
                return null; // *.com: a whole top-level domain is never one origin's
            }
        }
        boolean ipv6 = host.startsWith("[") && host.endsWith("]") && host.substring(1, host.length() - 1).matches("[0-9a-f:.]+");
        if (!ipv6 && !host.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
            return null;
        }
        if (port < 0) {
            port = switch (scheme) {
                case "http", "ws" -> 80;
                case "https", "wss" -> 443;
                default -> 0;
            };
        }
        return new Origin(scheme, host, port, wildcard);
    }

    private static String format(Origin o) {
        int def = o.scheme.equals("https") ? 443 : o.scheme.equals("http") ? 80 : 0;
        return o.scheme + "://" + (o.wildcard ? "*." : "") + o.host + (o.port == def ? "" : ":" + o.port);
    }
}
