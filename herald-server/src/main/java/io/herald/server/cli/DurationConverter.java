package io.herald.server.cli;

import java.time.Duration;
import picocli.CommandLine;

/**
 * The duration syntax of every option and setting: {@code 500ms}, {@code 30s}, {@code 10m},
 * {@code 1h} (a whole number and a unit), ISO-8601 ({@code PT10M}), or {@code 0}. A picocli
 * converter for the {@code herald} command and the load generator. Stateless and thread-safe.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /**
     * Parses {@code value}.
     *
     * @throws CommandLine.TypeConversionException naming the value and the syntax expected
     */
    public static Duration parse(String value) {
        String v = value.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        try {
            if (v.startsWith("P") || v.startsWith("p")) {
                return Duration.parse(v);
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            switch (v.charAt(v.length() - 1)) {
                case 's': return Duration.ofSeconds(n);
                case 'm': return Duration.ofMinutes(n);
                case 'h': return Duration.ofHours(n);
                default: break;
            }
        } catch (RuntimeException e) {
            // fall through to the error
        }
        throw new CommandLine.TypeConversionException("'" + value + "' (expected: a duration like 500ms, 30s, 10m, 1h)");
    }
}
