package io.herald.server.auth;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.auth.Principal;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.List;
import java.util.Locale;

/**
 * Who an HTTP request comes from: the one place that reads a client's credential from a request
 * (docs/security.md, "Where the token travels"). In order of precedence:
 * <ol>
 *   <li>{@code X-API-Key} (publishing only: a server's API key);</li>
 *   <li>{@code Authorization: Bearer TOKEN} (RFC 6750, section 2.1; the scheme is case-insensitive);</li>
 *   <li>on a WebSocket upgrade, the subprotocol {@code herald.bearer.TOKEN} offered beside
 *       {@code herald} in {@code Sec-WebSocket-Protocol} (RFC 6455, section 4.1; {@link #subprotocolToken});</li>
 *   <li>the token cookie ({@code auth.cookie-name}), when {@code auth.cookie} is on and the request is
 *       a read (never on {@code POST /pub}: no CSRF);</li>
 *   <li>{@code ?token=}: a ticket (a short-lived subscription token for the request's channel), on the
 *       routes that allow one.</li>
 * </ol>
 * A request with none is {@link Principal#ANONYMOUS}. Stateless; thread-safe.
 */
public final class RequestCredentials {
    /** The header of a server's API key. */
    public static final String API_KEY_HEADER = "X-API-Key";
    /** The WebSocket subprotocol the server selects: the raw route's framing. */
    public static final String SUBPROTOCOL = "herald";
    /** The prefix of the subprotocol that carries a token: {@code herald.bearer.TOKEN}. */
    public static final String BEARER_SUBPROTOCOL_PREFIX = "herald.bearer.";
    /** The query parameter of a ticket. */
    public static final String TICKET_PARAMETER = "token";

    private final Credentials credentials;
    private final AuthConfig config;

    /**
     * @param credentials the loaded keys
     * @param config      the settings (cookie, tickets)
     */
    public RequestCredentials(Credentials credentials, AuthConfig config) {
        this.credentials = credentials;
        this.config = config;
    }

    /** Where a request may carry its credential. */
    public enum Use {
        /** {@code POST /pub}: an API key or a bearer token; never a cookie or a ticket. */
        PUBLISH,
        /**
         * A read that takes a header or a cookie: long and short polling, history, XHR streaming; an
         * API key too (a server reading history; it may not subscribe).
         */
        READ,
        /** A read that may also take a ticket in the query: SSE, the iframe. */
        READ_WITH_TICKET,
        /** The raw WebSocket upgrade: also the token subprotocol, after the header and before the cookie. */
        WEBSOCKET,
        /**
         * The request that opens a SockJS session (any SockJS transport, WebSocket included): the
         * cookie only, as {@code sockjs-client} sends no headers of its own; without it the session
         * authenticates with the {@code connect} command (docs/protocol.md, "SockJS").
         */
        SOCKJS
    }

    /**
     * The principal of {@code request}.
     *
     * @param request the request
     * @param use     what the request is for
     * @param channel the request's channel (a ticket must be for it), or null
     * @param ticket  the {@code token} query parameter, or null
     * @return who it is; {@link Principal#ANONYMOUS} when it carries no credential
     * @throws HeraldException {@code unauthorized} for a credential that does not verify, two
     *                         {@code Authorization} headers or another scheme than Bearer;
     *                         {@code token_expired} for an expired token; {@code invalid_parameter}
     *                         for a malformed header
     */
    public Principal principal(HttpRequest request, Use use, String channel, String ticket) {
        if (use == Use.SOCKJS) {
            String cookie = config.cookie() ? cookie(request) : null;
            return cookie == null ? Principal.ANONYMOUS : tokens().verify(cookie);
        }
        if (use == Use.PUBLISH || use == Use.READ) {
            // A server's key: it publishes, and reads history (GET /history); the Authorizer refuses it
            // any subscription. Browsers cannot send it cross-origin (never in Access-Control-Allow-Headers).
            String apiKey = request.headers().get(API_KEY_HEADER);
            if (apiKey != null) {
                return credentials.apiKey(apiKey, false);
            }
        }
        List<String> authorization = request.headers().getAll(HttpHeaderNames.AUTHORIZATION);
        if (authorization.size() > 1) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, "more than one Authorization header");
        }
        if (authorization.size() == 1) {
            return tokens().verify(bearer(authorization.get(0)));
        }
        if (use == Use.WEBSOCKET) {
            String offered = subprotocolToken(request);
            if (offered != null) {
                return tokens().verify(offered);
            }
        }
        if (use != Use.PUBLISH && config.cookie()) {
            String cookie = cookie(request);
            if (cookie != null) {
                return tokens().verify(cookie);
            }
        }
        if ((use == Use.READ_WITH_TICKET || use == Use.WEBSOCKET) && ticket != null && !ticket.isEmpty()) {
            return tokens().verifyTicket(ticket, channel);
        }
        return Principal.ANONYMOUS;
    }

    /**
     * Checks that {@code request} carries an API key of admin scope in {@code X-API-Key} (the
     * operator endpoints {@code /metrics} and {@code /admin/...} on the public port; never a token,
     * a cookie or the query).
     *
     * @return the key's server principal
     * @throws HeraldException {@code unauthorized} without a key or with one that matches none;
     *                         {@code forbidden} for a key of publish scope
     */
    public Principal admin(HttpRequest request) {
        String key = request.headers().get(API_KEY_HEADER);
        if (key == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "an API key of admin scope is required (" + API_KEY_HEADER + ")");
        }
        return credentials.apiKey(key, true);
    }

    /** The token of {@code Bearer TOKEN}. */
    static String bearer(String header) {
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "Authorization: expected the Bearer scheme (RFC 6750)");
        }
        return header.substring(space + 1).trim();
    }

    /**
     * The token a WebSocket upgrade offers as the subprotocol {@code herald.bearer.TOKEN} in
     * {@code Sec-WebSocket-Protocol} (a comma-separated list, RFC 6455 section 4.1; a JWT's
     * characters are all tokens' characters, RFC 9110 section 5.6.2), or null when none is offered.
     * The server never selects that subprotocol: it answers {@value #SUBPROTOCOL}.
     *
     * @throws HeraldException {@code unauthorized} when more than one token subprotocol is offered
     */
    public static String subprotocolToken(HttpRequest request) {
        String found = null;
        for (String header : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String offered : header.split(",")) {
                String protocol = offered.trim();
                if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX)) {
                    if (found != null) {
                        throw new HeraldException(ErrorCode.UNAUTHORIZED, "more than one herald.bearer subprotocol");
                    }
                    found = protocol.substring(BEARER_SUBPROTOCOL_PREFIX.length());
                }
            }
        }
        return found;
    }

    private String cookie(HttpRequest request) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
                if (c.name().equals(config.cookieName())) {
                    return c.value();
                }
            }
        }
        return null;
    }

    private TokenVerifier tokens() {
        TokenVerifier tokens = credentials.tokens();
        if (tokens == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "no token is accepted: access control has no token keys");
        }
        return tokens;
    }
}
