package io.herald.server.http;

import io.herald.core.auth.Principal;

/**
 * What the router parsed from a request's URI, and who the request comes from.
 *
 * @param path      the decoded path, e.g. {@code /sse/chat:room1}
 * @param channel   the validated channel name from the path, or null for routes without one
 * @param query     the query parameters
 * @param principal who the request comes from, as the access check established it
 *                  ({@link Principal#ANONYMOUS} when access control is off or no credential was given)
 * @param privacy   the caching headers its answer carries ({@link Privacy})
 */
public record RouteTarget(String path, String channel, QueryParams query, Principal principal, Privacy privacy) {
    /** A target before any access check: anonymous, public. */
    public RouteTarget(String path, String channel, QueryParams query) {
        this(path, channel, query, Principal.ANONYMOUS, Privacy.PUBLIC);
    }

    /** This target admitted for {@code who}, answered with {@code privacy}'s headers. */
    public RouteTarget admitted(Principal who, Privacy privacy) {
        return new RouteTarget(path, channel, query, who, privacy);
    }
}
