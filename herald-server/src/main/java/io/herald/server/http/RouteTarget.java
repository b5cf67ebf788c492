package io.herald.server.http;

import io.herald.core.auth.Principal;
import java.util.List;

/**
 * What the router parsed from a request's URI, and who the request comes from.
 *
 * @param path      the decoded path, e.g. {@code /sse/chat:room1}
 * @param channel   the validated channel name from the path, or null for routes without one and for
 *                  a request of several channels
 * @param channels  the request's channels: {@code channel} alone, or the validated, distinct
 *                  {@code channel} parameters of a request of several channels (docs/protocol.md,
 *                  "Several channels on one request"), or none
 * @param principal who the request comes from, as the access check established it
 *                  ({@link Principal#ANONYMOUS} when access control is off or no credential was given)
 * @param privacy   the caching headers its answer carries ({@link Privacy})
 */
public record RouteTarget(String path, String channel, List<String> channels, QueryParams query, Principal principal,
                          Privacy privacy) {
    /** A target before any access check: anonymous, public. */
    public RouteTarget(String path, String channel, QueryParams query) {
        this(path, channel, channel == null ? List.of() : List.of(channel), query, Principal.ANONYMOUS, Privacy.PUBLIC);
    }

    /** A target of several channels ({@code channel} parameters) before any access check: anonymous, public. */
    public RouteTarget(String path, List<String> channels, QueryParams query) {
        this(path, null, channels, query, Principal.ANONYMOUS, Privacy.PUBLIC);
    }

    /** Whether the request names its channels in {@code channel} parameters rather than its path. */
    public boolean multi() {
        return channel == null && !channels.isEmpty();
    }

    /** This target admitted for {@code who}, answered with {@code privacy}'s headers. */
    public RouteTarget admitted(Principal who, Privacy privacy) {
        return new RouteTarget(path, channel, channels, query, who, privacy);
    }
}
