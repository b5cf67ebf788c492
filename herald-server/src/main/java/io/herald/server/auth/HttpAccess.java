package io.herald.server.auth;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.auth.Action;
import io.herald.core.auth.Principal;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Privacy;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * The access check of every HTTP route, in one place (docs/protocol.md, "Access control"): it wraps
 * a route so that the request's credential is read ({@link RequestCredentials}) and the
 * {@link io.herald.core.auth.Authorizer}'s decision is taken <em>before</em> the route answers, so
 * that a refusal is a status (401 with a {@code WWW-Authenticate} challenge, 403), never a 200
 * stream that says goodbye. An admitted request reaches its route with its principal and the
 * {@link Privacy} of its answer in the {@link RouteTarget}.
 *
 * <p>Off stays off: with access control off a read route is returned unwrapped (an
 * {@code Authorization} header on a read is ignored), and so is {@code POST /pub} when no API key
 * is configured either, and {@code /metrics} when no API key is configured. Immutable; thread-safe;
 * the check runs on the connection's event loop (verifying a token with a configured key does not
 * block).
 */
public final class HttpAccess {
    private final Node node;
    private final Credentials credentials;
    private final RequestCredentials requests;

    /**
     * @param node        the node, whose {@link Node#authorize} decides
     * @param credentials the keys the server accepts
     * @param config      the access-control settings
     */
    public HttpAccess(Node node, Credentials credentials, AuthConfig config) {
        this.node = node;
        this.credentials = credentials;
        this.requests = new RequestCredentials(credentials, config);
    }

    /** Whether access control is on (token keys configured): reads are checked. */
    public boolean enforcing() {
        return credentials.tokens() != null;
    }

    /**
     * A read route checked for {@code action} on the request's channel: SSE and the iframe take
     * {@link RequestCredentials.Use#READ_WITH_TICKET}, the others {@link RequestCredentials.Use#READ};
     * {@code action} is {@link Action#SUBSCRIBE} for the transports and short polling,
     * {@link Action#HISTORY} for {@code /history}.
     */
    public Route read(RequestCredentials.Use use, Action action, Route route) {
        if (!enforcing()) {
            return route;
        }
        return guarded(route, (request, target) -> requests.principal(request, use, ticketChannel(target),
                        use == RequestCredentials.Use.READ_WITH_TICKET ? ticket(target) : null),
                (who, target) -> {
                    // Several channels: each is checked as its single endpoint checks it; the first refusal refuses all.
                    for (String channel : target.channels()) {
                        node.authorize(who, action, channel, null);
                    }
                });
    }

    /**
     * {@code POST /pub} checked: when API keys are configured or access control is on, the request
     * must carry {@code X-API-Key} (a configured key) or {@code Authorization: Bearer} with the right
     * to publish to the channel; never a cookie nor a query parameter. No credential is 401, a token
     * without the right 403. With neither, publishing stays open.
     */
    public Route publish(Route route) {
        if (!enforcing() && !credentials.hasApiKeys()) {
            return route;
        }
        return guarded(route, (request, target) -> requests.principal(request, RequestCredentials.Use.PUBLISH,
                target.channel(), null), (who, target) -> {
                    if (!who.authenticated()) {
                        throw new HeraldException(ErrorCode.UNAUTHORIZED, "publishing needs " + RequestCredentials.API_KEY_HEADER
                                + " or Authorization: Bearer with the right to publish");
                    }
                    node.authorize(who, Action.PUBLISH, target.channel(), null);
                });
    }

    /**
     * An operator route on the public port ({@code /metrics}): when API keys are configured it needs
     * {@code X-API-Key} with admin scope (401 without or with an unknown key, 403 with a publish key).
     * An API key is no HTTP authentication scheme, so these 401s carry no {@code WWW-Authenticate}.
     */
    public Route admin(Route route) {
        if (!credentials.hasApiKeys()) {
            return route;
        }
        return (ctx, request, target) -> {
            Principal who;
            try {
                who = requests.admin(request);
            } catch (HeraldException e) {
                HttpResponses.error(ctx, HttpUtil.isKeepAlive(request), e);
                return;
            }
            route.handle(ctx, request, target.admitted(who, Privacy.PRIVATE));
        };
    }

    private interface Identify {
        Principal principal(FullHttpRequest request, RouteTarget target);
    }

    private interface Check {
        void check(Principal who, RouteTarget target);
    }

    /**
     * {@code route} behind two steps: who the request comes from, then whether they may. A refusal
     * is answered here with its challenge: a credential that does not verify presented one, a
     * refusal of the authorizer's to an anonymous client none (RFC 6750, section 3.1).
     */
    private static Route guarded(Route route, Identify identify, Check check) {
        return (ctx, request, target) -> {
            Principal who;
            try {
                who = identify.principal(request, target);
            } catch (HeraldException e) {
                HttpResponses.refusal(ctx, HttpUtil.isKeepAlive(request), e, true);
                return;
            }
            try {
                check.check(who, target);
            } catch (HeraldException e) {
                HttpResponses.refusal(ctx, HttpUtil.isKeepAlive(request), e, false);
                return;
            }
            Privacy privacy = ticket(target) != null ? Privacy.TICKET : who.authenticated() ? Privacy.PRIVATE : Privacy.PUBLIC;
            route.handle(ctx, request, target.admitted(who, privacy));
        };
    }

    /** The channel a ticket must be for: the request's one channel, or null for several (a ticket is never for several). */
    private static String ticketChannel(RouteTarget target) {
        return target.channels().size() == 1 ? target.channels().get(0) : null;
    }

    private static String ticket(RouteTarget target) {
        return target.query().get(RequestCredentials.TICKET_PARAMETER);
    }
}
