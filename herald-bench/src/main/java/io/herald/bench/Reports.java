package io.herald.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * JSON and number formatting shared by the reports: property names in {@code snake_case}, one
 * line per report, nulls kept (a missing server reading stays a visible {@code null}). Stateless
 * and thread-safe.
 */
public final class Reports {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    /** {@code report} as one line of JSON. */
    public static String json(Object report) {
        try {
            return MAPPER.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write report " + report + ": " + e.getMessage(), e);
        }
    }

    /** {@code value} rounded to {@code decimals} places, or null when it is null, NaN or infinite. */
    static Double round(Double value, int decimals) {
        if (value == null || value.isNaN() || value.isInfinite()) {
            return null;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    /** A markdown cell: the value, or an em dash for null. */
    static String cell(Object value) {
        if (value == null) {
            return "—";
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    /** Bytes as MiB with one decimal, or null. */
    static Double mib(Long bytes) {
        return bytes == null || bytes < 0 ? null : round(bytes / 1048576.0, 1);
    }
}
