package io.herald.server.config;

/**
 * A configuration the server cannot start with: an unknown key, a value of the wrong type, or a
 * value out of its range. The message is the one line the {@code herald} command prints before it
 * exits with status 2, naming where the value came from, the key and the problem, e.g.
 * {@code herald.yml:12: history.age: "10 minutes" is not a duration (use 10m)}. Unchecked,
 * immutable.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param line the whole message: source, key, problem; control characters in it (a value from
     *             the file may hold line breaks) are written as {@code \\uXXXX}, so it stays one line
     */
    public ConfigException(String line) {
        super(oneLine(line), null, false, false);
    }

    private static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
