package io.herald.server.config;

/**
 * Where a setting's effective value came from, in increasing precedence: its default, the
 * configuration file, the environment, a command-line flag. Immutable.
 *
 * @param kind  which of the four
 * @param where {@code herald.yml:12}, {@code HERALD_SERVER_PORT}, {@code --port}, or {@code default}
 */
public record Source(Kind kind, String where) {
    /** The four places a value can come from, lowest precedence first. */
    public enum Kind { DEFAULT, FILE, ENV, FLAG }

    /** A default value. */
    public static final Source DEFAULT = new Source(Kind.DEFAULT, "default");

    /** Line {@code line} of {@code file}, as {@code herald.yml:12}. */
    public static Source file(String file, int line) {
        return new Source(Kind.FILE, file + ":" + line);
    }

    /** The environment variable {@code name}. */
    public static Source env(String name) {
        return new Source(Kind.ENV, name);
    }

    /** The command-line flag {@code name}. */
    public static Source flag(String name) {
        return new Source(Kind.FLAG, name);
    }

    /** {@code where}: the prefix of an error message about the value. */
    @Override
    public String toString() {
        return where;
    }
}
