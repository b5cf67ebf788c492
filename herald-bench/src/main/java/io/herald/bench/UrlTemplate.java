package io.herald.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * An HTTP or WebSocket URL with a {@code {channel}} placeholder in its path or query, e.g.
 * {@code http://127.0.0.1:8080/sse/{channel}} or Nchan's {@code http://127.0.0.1:8081/pub?id={channel}}.
 * A URL without the placeholder is a base to which the tool's default path is appended.
 *
 * <p>Only plain-text schemes ({@code http}, {@code ws}) and loopback hosts ({@code localhost} or
 * a literal {@code 127.x.y.z}) are accepted: the tool loads a server on the same machine.
 * Immutable and thread-safe.
 */
public final class UrlTemplate {
    /** The placeholder replaced by the channel name. */
    public static final String PLACEHOLDER = "{channel}";
    /** SockJS's server id placeholder, filled per connection by {@link #webSocketUri(String, RandomGenerator)}. */
    public static final String SERVER = "{server}";
    /** SockJS's session id placeholder, filled per connection by {@link #webSocketUri(String, RandomGenerator)}. */
    public static final String SESSION = "{session}";
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final Pattern LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_.:@-]{1,128}");

    private final String template;
    private final String host;
    private final int port;

    private UrlTemplate(String template, String host, int port) {
        this.template = template;
        this.host = host;
        this.port = port;
    }

    /**
     * Parses a template.
     *
     * @param url         the URL, with or without {@code {channel}}
     * @param defaultPath the path template appended when {@code url} has no placeholder, e.g.
     *                    {@code /sse/{channel}}; null to take {@code url} as it is (a URL that
     *                    names no channel, such as a GRIP control endpoint)
     * @throws IllegalArgumentException naming the URL and the rule it breaks
     */
    public static UrlTemplate parse(String url, String defaultPath) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url: " + url + " (expected: http://127.0.0.1:PORT[/path with {channel}])");
        }
        String template = url.trim();
        if (!template.contains(PLACEHOLDER) && defaultPath != null) {
            template = template.replaceAll("/+$", "") + defaultPath;
        }
        URI uri;
        try {
            uri = new URI(template.replace(PLACEHOLDER, "channel").replace(SERVER, "0").replace(SESSION, "s"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url: " + url + " (expected: a valid URL; " + e.getMessage() + ")", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("ws")) {
            throw new IllegalArgumentException("url: " + url + " (expected: scheme http or ws; TLS is not supported)");
        }
        String host = uri.getHost();
        if (host == null || !(host.equalsIgnoreCase("localhost") || LOOPBACK.matcher(host).matches())) {
            throw new IllegalArgumentException("url: " + url
                    + " (expected: a loopback host, localhost or 127.x.y.z; the tool only loads local servers)");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        return new UrlTemplate(template, host.equalsIgnoreCase("localhost") ? "127.0.0.1" : host, port);
    }

    /**
     * The URL for {@code channel}.
     *
     * @throws IllegalArgumentException when {@code channel} is not a valid channel name
     */
    public URI resolve(String channel) {
        return resolve(channel, "0", "s");
    }

    private URI resolve(String channel, String server, String session) {
        checkChannel(channel);
        return URI.create(template.replace(PLACEHOLDER, channel).replace(SERVER, server).replace(SESSION, session));
    }

    /** The request target (path and query) for {@code channel}, e.g. {@code /pub?id=c}. */
    public String requestTarget(String channel) {
        URI uri = resolve(channel);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /** The same URL with the scheme {@code ws} (for a WebSocket handshake), for {@code channel}. */
    public URI webSocketUri(String channel) {
        return ws(resolve(channel));
    }

    private static URI ws(URI uri) {
        return URI.create("ws" + uri.toString().substring(uri.getScheme().length()));
    }

    /**
     * As {@link #webSocketUri(String)}, with {@code {server}} replaced by three random digits and
     * {@code {session}} by 16 random lower-case letters and digits (SockJS's session URL,
     * docs/protocol.md, "SockJS"): a new session per call.
     */
    public URI webSocketUri(String channel, RandomGenerator random) {
        char[] session = new char[16];
        for (int i = 0; i < session.length; i++) {
            session[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return ws(resolve(channel, String.valueOf(random.nextInt(1000)), new String(session)));
    }

    /** The server's address (a literal loopback IP and the port). */
    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    /** The {@code Host} header value. */
    public String hostHeader() {
        return port == 80 ? host : host + ":" + port;
    }

    /**
     * Checks a channel name against Herald's rule {@code ^[A-Za-z0-9_.:@-]{1,128}$}.
     *
     * @throws IllegalArgumentException naming the value and the rule
     */
    public static String checkChannel(String channel) {
        if (channel == null || !CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("channel: " + channel + " (expected: ^[A-Za-z0-9_.:@-]{1,128}$)");
        }
        return channel;
    }

    @Override
    public String toString() {
        return template;
    }
}
