package io.herald.server.http;

/**
 * What the router parsed from a request's URI.
 *
 * @param path    the decoded path, e.g. {@code /sse/chat:room1}
 * @param channel the validated channel name from the path, or null for routes without one
 * @param query   the query parameters
 */
public record RouteTarget(String path, String channel, QueryParams query) {
}
