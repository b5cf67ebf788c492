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

    /** @param line the whole message: source, key, problem */
    public ConfigException(String line) {
        super(line, null, false, false);
    }
}
