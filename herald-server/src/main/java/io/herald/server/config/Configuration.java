package io.herald.server.config;

import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.ServerConfig;
import io.herald.server.cli.DurationConverter;
import io.herald.server.tls.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server's effective configuration, merged from four places in increasing precedence: the
 * defaults of {@link Settings}, a YAML file ({@code --config}), the environment ({@code HERALD_*},
 * e.g. {@code HERALD_SERVER_PORT}), and command-line flags. Every value keeps where it came from,
 * so that an error names the file and line (or variable, or flag) and {@link #print()} can show it.
 *
 * <p>Validation happens in {@link #load} (unknown keys, types) and {@link #serverConfig()} (ranges
 * and rules, checked by the configuration records); both fail with a {@link ConfigException} whose
 * message is one line. The file is docs/configuration.md's "Configuration file"; the environment
 * holds no namespaces (they are named freely and cannot be told apart in a variable name).
 * Immutable once loaded; thread-safe.
 */
public final class Configuration {
    /** A value and where it came from. */
    record Value(Object value, Source source) {
    }

    /** The name of the demo namespace, which {@code demo: true} gives at least a day of history. */
    public static final String DEMO_NAMESPACE = "demo";
    /** How long the demo namespace keeps history when the demo feeds run. */
    public static final Duration DEMO_HISTORY_AGE = Duration.ofDays(1);

    private final Map<String, Value> values;
    private final Map<String, Map<String, Value>> namespaces;

    private Configuration(Map<String, Value> values, Map<String, Map<String, Value>> namespaces) {
        this.values = values;
        this.namespaces = namespaces;
    }

    /**
     * Merges the four places.
     *
     * @param file           the YAML file, or null for none
     * @param fileShown      how the file is named in messages (the path as given)
     * @param env            the environment, e.g. {@link System#getenv()}; only the variables of
     *                       {@link Setting#env()} are read
     * @param flags          values given on the command line, by setting key, already typed
     * @param namespaceFlags {@code --namespace NAME:SIZE:AGE:PUBLISH} values, in order; a namespace
     *                       given here replaces the file's of the same name
     * @throws ConfigException for an unknown key, a value of the wrong type, a malformed namespace
     */
    public static Configuration load(Path file, String fileShown, Map<String, String> env,
                                     Map<String, Object> flags, List<String> namespaceFlags) {
        Map<String, Value> values = new LinkedHashMap<>();
        for (Setting s : Settings.ALL) {
            values.put(s.key(), new Value(s.defaultValue(), Source.DEFAULT));
        }
        Map<String, Map<String, Value>> namespaces = new TreeMap<>();
        if (file != null) {
            fromFile(YamlFile.read(file, fileShown), values, namespaces);
        }
        for (Setting s : Settings.ALL) {
            String text = env.get(s.env());
            if (text != null) {
                values.put(s.key(), new Value(parse(s.type(), text, s.env() + ": "), Source.env(s.env())));
            }
        }
        flags.forEach((key, value) -> {
            Setting s = Settings.byKey(key);
            if (s == null) {
                throw new IllegalArgumentException("no setting " + key);
            }
            values.put(key, new Value(value, Source.flag(s.flag())));
        });
        for (String spec : namespaceFlags) {
            namespaceFlag(spec, namespaces);
        }
        return new Configuration(values, namespaces);
    }

    private static void fromFile(Map<String, YamlFile.Scalar> scalars, Map<String, Value> values,
                                 Map<String, Map<String, Value>> namespaces) {
        scalars.forEach((key, scalar) -> {
            String at = scalar.source() + ": " + key + ": ";
            if (key.startsWith(Settings.NAMESPACES + ".")) {
                String rest = key.substring(Settings.NAMESPACES.length() + 1);
                int dot = rest.lastIndexOf('.');
                String option = dot < 0 ? null : rest.substring(dot + 1);
                Setting.Type type = option == null ? null : Settings.NAMESPACE_OPTIONS.get(option);
                if (type == null) {
                    throw new ConfigException(scalar.source() + ": " + key + ": unknown key (a namespace has: "
                            + String.join(", ", new TreeSet<>(Settings.NAMESPACE_OPTIONS.keySet())) + ")");
                }
                String name = rest.substring(0, dot);
                namespaces.computeIfAbsent(name, n -> new LinkedHashMap<>())
                        .put(option, new Value(parse(type, required(scalar, at), at), scalar.source()));
                return;
            }
            Setting s = Settings.byKey(key);
            if (scalar.items() != null) {
                if (s == null || s.type() != Setting.Type.LIST) {
                    throw new ConfigException(at + "a list is not a value of " + (s == null ? "any setting" : "this setting"));
                }
                values.put(key, new Value(List.copyOf(scalar.items()), scalar.source()));
                return;
            }
            if (s == null) {
                throw new ConfigException(scalar.source() + ": " + key + ": " + unknown(key));
            }
            values.put(key, new Value(parse(s.type(), required(scalar, at), at), scalar.source()));
        });
    }

    private static String required(YamlFile.Scalar scalar, String at) {
        if (scalar.text() == null) {
            throw new ConfigException(at + "no value (remove the key to keep the default)");
        }
        return scalar.text();
    }

    /** Why {@code key} is not a setting: a misspelling (with the keys of its section), or a section given a value. */
    private static String unknown(String key) {
        for (Setting s : Settings.ALL) {
            if (s.key().startsWith(key + ".")) {
                return "a section (" + key + ".*), not a value";
            }
        }
        String section = key.contains(".") ? key.substring(0, key.lastIndexOf('.') + 1) : "";
        TreeSet<String> under = keysUnder(section);
        if (under.isEmpty()) {
            section = "";
            under = keysUnder(section);
        }
        return "unknown key (" + (section.isEmpty() ? "keys" : section.substring(0, section.length() - 1) + " has")
                + ": " + String.join(", ", under) + ")";
    }

    /** The next segments of the keys that start with {@code section} ({@code ""} for the top level). */
    private static TreeSet<String> keysUnder(String section) {
        TreeSet<String> under = new TreeSet<>();
        for (Setting s : Settings.ALL) {
            if (s.key().startsWith(section)) {
                String rest = s.key().substring(section.length());
                under.add(rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest);
            }
        }
        if (section.isEmpty()) {
            under.add(Settings.NAMESPACES);
        }
        return under;
    }

    private static Object parse(Setting.Type type, String text, String at) {
        try {
            return type.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + e.getMessage());
        }
    }

    /** One {@code --namespace NAME:SIZE:AGE:PUBLISH}; every part is checked, none defaulted. */
    private static void namespaceFlag(String spec, Map<String, Map<String, Value>> namespaces) {
        String at = "--namespace " + spec + ": ";
        String[] parts = spec.split(":", -1);
        if (parts.length != 4) {
            throw new ConfigException(at + "expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true");
        }
        Source source = Source.flag("--namespace");
        Map<String, Value> options = new LinkedHashMap<>();
        try {
            options.put("history-size", new Value(Integer.parseInt(parts[1]), source));
        } catch (NumberFormatException e) {
            throw new ConfigException(at + "SIZE '" + parts[1] + "' is not a whole number");
        }
        try {
            options.put("history-age", new Value(DurationConverter.parse(parts[2]), source));
        } catch (RuntimeException e) {
            throw new ConfigException(at + "AGE " + e.getMessage());
        }
        if (!parts[3].equals("true") && !parts[3].equals("false")) {
            throw new ConfigException(at + "PUBLISH '" + parts[3] + "' (expected: true or false)");
        }
        options.put("client-publish", new Value(Boolean.parseBoolean(parts[3]), source));
        namespaces.put(parts[0], options);
    }

    /** The effective value of {@code key}. */
    public Object get(String key) {
        Value v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no setting " + key);
        }
        return v.value();
    }

    /** Where the effective value of {@code key} came from. */
    public Source sourceOf(String key) {
        return values.get(key).source();
    }

    /**
     * The server configuration these values describe.
     *
     * @throws ConfigException naming the source and key of a value a configuration record refuses
     *                         (out of range, or against another setting), or of a TLS certificate or
     *                         key file that cannot be read or used
     */
    public ServerConfig serverConfig() {
        Builders b = new Builders();
        for (Setting s : Settings.ALL) {
            s.apply().accept(b, get(s.key()));
        }
        NamespaceOptions defaults = build(() -> b.defaults.build(), null);
        b.node.defaultNamespace(defaults);
        if (Boolean.TRUE.equals(get("demo")) && !namespaces.containsKey(DEMO_NAMESPACE)) {
            // The demo pages start from history (the sign-up count, the chat): keep at least a day of it.
            Duration age = defaults.historyAge().compareTo(DEMO_HISTORY_AGE) >= 0 ? defaults.historyAge() : DEMO_HISTORY_AGE;
            b.node.namespace(DEMO_NAMESPACE, defaults.toBuilder().historyAge(age).build());
        }
        namespaces.forEach((name, options) -> {
            NamespaceOptions.Builder nb = defaults.toBuilder();
            for (Map.Entry<String, Value> o : options.entrySet()) {
                Object v = o.getValue().value();
                switch (o.getKey()) {
                    case "history-size" -> nb.historySize((Integer) v);
                    case "history-age" -> nb.historyAge((Duration) v);
                    default -> nb.allowClientPublish((Boolean) v);
                }
            }
            NamespaceOptions built = build(nb::build, name);
            build(() -> b.node.namespace(name, built), name);
        });
        b.server.node(build(b.node::build, null));
        ServerConfig config = build(b.server::build, null);
        if (config.tls()) {
            // Read and check the certificate and key now, so that a bad one stops the start (and
            // --check-config) with one line naming the setting and the file.
            build(() -> ServerTls.load(config.tlsCert(), config.tlsKey(), config.http2()), null);
        }
        return config;
    }

    /** Runs a record's build, turning its validation error into one naming the key and source. */
    private <T> T build(java.util.function.Supplier<T> builder, String namespace) {
        try {
            return builder.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(describe(e.getMessage(), namespace));
        }
    }

    /** {@code "historySize: -1 (expected: >= 0)"} as {@code "herald.yml:4: history.size: -1 (expected: >= 0)"}. */
    private String describe(String message, String namespace) {
        int colon = message.indexOf(':');
        String field = colon > 0 ? message.substring(0, colon) : "";
        String problem = colon > 0 ? message.substring(colon + 1).trim() : message;
        if (namespace != null) {
            String option = switch (field) {
                case "historySize" -> "history-size";
                case "historyAge" -> "history-age";
                case "allowClientPublish" -> "client-publish";
                default -> null;
            };
            Map<String, Value> options = namespaces.get(namespace);
            Value v = options == null ? null : option != null ? options.get(option)
                    : options.values().stream().findFirst().orElse(null); // the name itself: where the namespace starts
            Source source = v != null ? v.source() : Source.DEFAULT;
            String key = Settings.NAMESPACES + "." + namespace + (option == null ? "" : "." + option);
            return source.kind() == Source.Kind.FLAG ? "--namespace " + namespace + ": " + (option == null ? "" : option + ": ") + problem
                    : source + ": " + key + ": " + problem;
        }
        Setting s = Settings.byField(field);
        if (s == null) {
            return message;
        }
        Source source = sourceOf(s.key());
        return source.kind() == Source.Kind.FLAG ? source + ": " + problem : source + ": " + s.key() + ": " + problem;
    }

    /**
     * The effective configuration as YAML, each value followed by where it came from
     * ({@code # default}, {@code # herald.yml:12}, {@code # HERALD_SERVER_PORT}, {@code # --port}):
     * what {@code herald --print-config} shows. Loading it back gives the same configuration.
     */
    public String print() {
        StringBuilder out = new StringBuilder("# Herald's effective configuration: each value, then where it came from\n");
        String section = null;
        for (Setting s : Settings.ALL) {
            Value v = values.get(s.key());
            int dot = s.key().indexOf('.');
            String top = dot < 0 ? null : s.key().substring(0, dot);
            if (top != null && !top.equals(section)) {
                out.append(top).append(":\n");
            }
            section = top;
            String name = top == null ? s.key() : "  " + s.key().substring(dot + 1);
            out.append(name).append(": ").append(s.type().format(v.value())).append("  # ").append(v.source()).append('\n');
        }
        out.append(Settings.NAMESPACES).append(":").append(namespaces.isEmpty() ? " {}  # none\n" : "\n");
        namespaces.forEach((name, options) -> {
            out.append("  ").append(Setting.Type.STRING.format(name)).append(":\n");
            options.forEach((option, v) -> out.append("    ").append(option).append(": ")
                    .append(Settings.NAMESPACE_OPTIONS.get(option).format(v.value())).append("  # ").append(v.source()).append('\n'));
        });
        return out.toString();
    }
}
