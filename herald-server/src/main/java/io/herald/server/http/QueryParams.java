package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.StreamPosition;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;

/**
 * Typed access to a request's query parameters, with the contract's errors for bad values.
 * Not thread-safe; one per request.
 */
public final class QueryParams {
    private final Map<String, List<String>> params;

    /** @param decoder the decoded request URI */
    public QueryParams(QueryStringDecoder decoder) {
        this.params = decoder.parameters();
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of {@code name}, in order; empty when absent. */
    public List<String> all(String name) {
        List<String> values = params.get(name);
        return values == null ? List.of() : values;
    }

    /**
     * An integer parameter.
     *
     * @param name the parameter
     * @param def  the value when absent
     * @param min  the smallest accepted value
     * @param max  the largest accepted value
     * @throws HeraldException {@code invalid_parameter} when present but not an integer in range
     */
    public int intParam(String name, int def, int min, int max) {
        String raw = get(name);
        if (raw == null || raw.isEmpty()) {
            return def;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                name + " " + Names.quote(raw) + " (expected: an integer in " + min + ".." + max + ")");
    }

    /**
     * A boolean parameter: {@code true} or {@code false}.
     *
     * @param name the parameter
     * @param def  the value when absent or empty
     * @throws HeraldException {@code invalid_parameter} when present but neither
     */
    public boolean booleanParam(String name, boolean def) {
        String raw = get(name);
        if (raw == null || raw.isEmpty()) {
            return def;
        }
        if (raw.equals("true") || raw.equals("false")) {
            return raw.equals("true");
        }
        throw new HeraldException(ErrorCode.INVALID_PARAMETER, name + " " + Names.quote(raw) + " (expected: true or false)");
    }

    /**
     * The stream position in {@code name}, or null when absent or empty.
     *
     * @throws HeraldException {@code invalid_since} when it is not an id
     */
    public StreamPosition position(String name) {
        return StreamPosition.parseOrNull(get(name));
    }
}
