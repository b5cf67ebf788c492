package io.herald.server.config;

import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.auth.AccessLevel;
import io.herald.server.ServerConfig;
import io.herald.server.auth.AuthConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.cli.DurationConverter;
import io.herald.server.tls.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /** The lists of mappings ({@link Settings#LIST_SECTIONS}) by key: their items in order, each its fields. */
    private final Map<String, List<Map<String, Value>>> sections;
    private final Map<String, String> env;

    private Configuration(Map<String, Value> values, Map<String, Map<String, Value>> namespaces,
                          Map<String, List<Map<String, Value>>> sections, Map<String, String> env) {
        this.values = values;
        this.namespaces = namespaces;
        this.sections = sections;
        this.env = env;
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
        Map<String, List<Map<String, Value>>> sections = new LinkedHashMap<>();
        if (file != null) {
            fromFile(YamlFile.read(file, fileShown), values, namespaces, sections);
        }
        for (Setting s : Settings.ALL) {
            String text = env.get(s.env());
            if (text != null) {
                values.put(s.key(), new Value(parse(s.type(), text, s.env() + ": "), Source.env(s.env())));
            }
        }
        Settings.RENAMED.forEach((old, key) -> {
            String oldEnv = Setting.envName(old);
            String text = env.get(oldEnv);
            if (text != null) {
                Setting s = Settings.byKey(key);
                if (env.containsKey(s.env())) {
                    throw new ConfigException(oldEnv + ": the old name of " + s.env() + ", which is also set: keep only "
                            + s.env());
                }
                values.put(key, new Value(parse(s.type(), text, oldEnv + ": "), Source.env(oldEnv)));
            }
        });
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
        return new Configuration(values, namespaces, sections, Map.copyOf(env));
    }

    private static void fromFile(Map<String, YamlFile.Scalar> scalars, Map<String, Value> values,
                                 Map<String, Map<String, Value>> namespaces, Map<String, List<Map<String, Value>>> sections) {
        Set<String> listsSeen = new HashSet<>();
        scalars.forEach((key, scalar) -> {
            String at = scalar.source() + ": " + key + ": ";
            String renamed = Settings.RENAMED.get(key);
            if (renamed != null) {
                // An old key (docs/configuration.md): read as its new name, unless the file gives both.
                if (scalars.containsKey(renamed)) {
                    throw new ConfigException(at + "the old name of " + renamed + ", which the file also sets: keep only "
                            + renamed);
                }
                values.put(renamed, new Value(parse(Settings.byKey(renamed).type(), required(scalar, at), at), scalar.source()));
                return;
            }
            int bracket = key.indexOf('[');
            if (bracket > 0) {
                listItem(key, bracket, scalar, at, values, sections, listsSeen);
                return;
            }
            if (Settings.LIST_SECTIONS.containsKey(key)) {
                throw new ConfigException(at + "a list of mappings (each with " + String.join(", ",
                        Settings.LIST_SECTIONS.get(key).keySet()) + ")");
            }
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
            if (s == null) {
                throw new ConfigException(scalar.source() + ": " + key + ": " + unknown(key));
            }
            values.put(key, new Value(parse(s.type(), required(scalar, at), at), scalar.source()));
        });
    }

    /** One item of a list ({@code key[i]}) or a field of one ({@code key[i].field}); {@code key[]} is an empty list. */
    private static void listItem(String key, int bracket, YamlFile.Scalar scalar, String at, Map<String, Value> values,
                                 Map<String, List<Map<String, Value>>> sections, Set<String> listsSeen) {
        String base = key.substring(0, bracket);
        int close = key.indexOf(']', bracket);
        if (close < 0 || !key.substring(bracket + 1, close).matches("[0-9]{0,6}")) {
            // A key that merely contains '[' (YamlFile writes list items as key[i]).
            throw new ConfigException(at + unknown(key));
        }
        String rest = key.substring(close + 1);
        Setting s = Settings.byKey(base);
        Map<String, Setting.Type> fields = Settings.LIST_SECTIONS.get(base);
        if (s != null && s.type() == Setting.Type.LIST && rest.isEmpty()) {
            @SuppressWarnings("unchecked")
            List<String> list = listsSeen.add(base) ? new ArrayList<>() : new ArrayList<>((List<String>) values.get(base).value());
            if (close > bracket + 1) { // not the empty list's key[]
                String text = required(scalar, at);
                if (text.contains(",")) {
                    throw new ConfigException(at + "\"" + text + "\": one item per list entry (no commas)");
                }
                list.add(text.trim());
            }
            values.put(base, new Value(List.copyOf(list), scalar.source()));
            return;
        }
        if (fields != null) {
            List<Map<String, Value>> items = sections.computeIfAbsent(base, k -> new ArrayList<>());
            if (close == bracket + 1) {
                return; // an empty list
            }
            int index = Integer.parseInt(key.substring(bracket + 1, close));
            if (!rest.startsWith(".")) {
                throw new ConfigException(scalar.source() + ": " + base + "[" + index + "]: a mapping (with "
                        + String.join(", ", fields.keySet()) + "), not a single value");
            }
            String field = rest.substring(1);
            Setting.Type type = fields.get(field);
            if (type == null) {
                throw new ConfigException(at + "unknown key (an item of " + base + " has: " + String.join(", ", fields.keySet()) + ")");
            }
            while (items.size() <= index) {
                items.add(new LinkedHashMap<>());
            }
            items.get(index).put(field, new Value(parse(type, required(scalar, at), at), scalar.source()));
            return;
        }
        throw new ConfigException(at + (s != null || Settings.byKey(key.substring(0, bracket)) != null
                ? "a list is not a value of this setting" : unknown(base)));
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
        if (Settings.LIST_SECTIONS.containsKey(key)) {
            return "a list of mappings, not a value";
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
        List<String> keys = new ArrayList<>(Settings.LIST_SECTIONS.keySet());
        Settings.ALL.forEach(s -> keys.add(s.key()));
        for (String key : keys) {
            if (key.startsWith(section)) {
                String rest = key.substring(section.length());
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
            // The chat page shows who is here: presence and join/leave events (docs/protocol.md, "Presence");
            // the ticker publishes one keyed publication per symbol, conflated for slow clients ("Conflation").
            b.node.namespace(DEMO_NAMESPACE, defaults.toBuilder().historyAge(age).presence(true).joinLeave(true)
                    .conflation(true).build());
        }
        namespaces.forEach((name, options) -> {
            NamespaceOptions.Builder nb = defaults.toBuilder();
            for (Map.Entry<String, Value> o : options.entrySet()) {
                Object v = o.getValue().value();
                switch (o.getKey()) {
                    case "history-size" -> nb.historySize((Integer) v);
                    case "history-age" -> nb.historyAge((Duration) v);
                    case "subscribe" -> nb.subscribe((AccessLevel) v);
                    case "publish" -> nb.publish((AccessLevel) v);
                    case "history" -> nb.history((AccessLevel) v);
                    case "presence" -> nb.presence((Boolean) v);
                    case "join-leave" -> nb.joinLeave((Boolean) v);
                    case "conflation" -> nb.conflation((Boolean) v);
                    case "write-delay" -> nb.writeDelay((Duration) v);
                    default -> nb.allowClientPublish((Boolean) v);
                }
            }
            NamespaceOptions built = build(nb::build, name);
            build(() -> b.node.namespace(name, built), name);
        });
        b.server.node(build(b.node::build, null));
        b.auth.keys(keySpecs()).apiKeys(apiKeySpecs());
        b.server.auth(build(b.auth::build, null));
        b.server.broker(build(b.broker::build, null));
        ServerConfig config = build(b.server::build, null);
        if (config.tls()) {
            // Read and check the certificate and key now, so that a bad one stops the start (and
            // --check-config) with one line naming the setting and the file.
            build(() -> ServerTls.load(config.tlsCert(), config.tlsKey(), config.http2()), null);
        }
        if (config.auth().enabled() || !config.auth().apiKeys().isEmpty()) {
            // Read every key now, so that a missing file, a short secret or a bad PEM stops the start
            // (and --check-config) with one line naming the item.
            build(() -> Credentials.load(config.auth(), env), null);
        }
        return config;
    }

    /** The environment this configuration was loaded with (where {@code secret-env} and {@code key-env} point). */
    public Map<String, String> env() {
        return env;
    }

    /** The items of {@code auth.keys} as specs; an item's own rules are checked here, naming it. */
    private List<AuthConfig.KeySpec> keySpecs() {
        List<AuthConfig.KeySpec> specs = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        List<Map<String, Value>> items = sections.getOrDefault(Settings.AUTH_KEYS, List.of());
        for (int i = 0; i < items.size(); i++) {
            Map<String, Value> item = items.get(i);
            String at = itemAt(Settings.AUTH_KEYS, i, item);
            String kid = text(item, "kid");
            String alg = text(item, "alg");
            Path secretFile = pathOf(item, "secret-file");
            String secretEnv = text(item, "secret-env");
            Path publicKey = pathOf(item, "public-key-file");
            if (!AuthConfig.ALGORITHMS.contains(alg)) {
                throw new ConfigException(at + "alg: \"" + alg + "\" (expected one of: "
                        + String.join(", ", new TreeSet<>(AuthConfig.ALGORITHMS)) + ")");
            }
            boolean hmac = alg.startsWith("HS");
            int sources = (secretFile != null ? 1 : 0) + (secretEnv.isEmpty() ? 0 : 1) + (publicKey != null ? 1 : 0);
            if (sources != 1 || hmac == (publicKey != null)) {
                throw new ConfigException(at + (hmac ? alg + " needs exactly one of secret-file or secret-env"
                        : alg + " needs public-key-file (a PEM public key) and no secret"));
            }
            if (!kids.add(kid)) {
                throw new ConfigException(at + "kid: \"" + kid + "\" is used by another key");
            }
            specs.add(new AuthConfig.KeySpec(kid, alg, secretFile, secretEnv, publicKey));
        }
        return specs;
    }

    /** The items of {@code api-keys} as specs. */
    private List<AuthConfig.ApiKeySpec> apiKeySpecs() {
        List<AuthConfig.ApiKeySpec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Map<String, Value>> items = sections.getOrDefault(Settings.API_KEYS, List.of());
        for (int i = 0; i < items.size(); i++) {
            Map<String, Value> item = items.get(i);
            String at = itemAt(Settings.API_KEYS, i, item);
            String name = text(item, "name");
            Path keyFile = pathOf(item, "key-file");
            String keyEnv = text(item, "key-env");
            String scope = item.containsKey("scope") ? text(item, "scope") : "publish";
            if (name.isEmpty() || !names.add(name)) {
                throw new ConfigException(at + "name: \"" + name + "\" (expected: a name no other API key has)");
            }
            if ((keyFile != null) == !keyEnv.isEmpty()) {
                throw new ConfigException(at + "exactly one of key-file or key-env");
            }
            if (!AuthConfig.ApiKeySpec.SCOPES.contains(scope)) {
                throw new ConfigException(at + "scope: \"" + scope + "\" (expected: publish or admin)");
            }
            specs.add(new AuthConfig.ApiKeySpec(name, keyFile, keyEnv, scope));
        }
        return specs;
    }

    /** {@code "herald.yml:12: auth.keys[0]: "}: where an item of a list section starts. */
    private static String itemAt(String section, int index, Map<String, Value> item) {
        Source source = item.values().stream().map(Value::source).findFirst().orElse(Source.DEFAULT);
        return source + ": " + section + "[" + index + "]: ";
    }

    private static String text(Map<String, Value> item, String field) {
        Value v = item.get(field);
        return v == null ? "" : (String) v.value();
    }

    private static Path pathOf(Map<String, Value> item, String field) {
        String text = text(item, field);
        return text.isEmpty() ? null : Path.of(text);
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
                case "subscribe", "publish", "history", "presence", "conflation" -> field;
                case "joinLeave" -> "join-leave";
                case "writeDelay" -> "write-delay";
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
        if (field.startsWith(Settings.AUTH_KEYS + "[") || field.startsWith(Settings.API_KEYS + "[")) {
            // An item whose key material failed to load (Credentials.load): "auth.keys[1]: ..." at its line.
            String section = field.substring(0, field.indexOf('['));
            int index = Integer.parseInt(field.substring(field.indexOf('[') + 1, field.indexOf(']')));
            List<Map<String, Value>> items = sections.getOrDefault(section, List.of());
            return index < items.size() ? itemAt(section, index, items.get(index)) + problem : message;
        }
        Setting s = Settings.byField(field);
        if (s == null) {
            return message;
        }
        Source source = sourceOf(s.key());
        return source.kind() == Source.Kind.FLAG ? source + ": " + problem : source + ": " + s.key() + ": " + problem;
    }

    /** Appends the list sections inside section {@code top} (null: the top-level ones) as YAML. */
    private void printSections(StringBuilder out, String top) {
        Settings.LIST_SECTIONS.forEach((key, fields) -> {
            int dot = key.indexOf('.');
            if (dot < 0 ? top != null : !key.substring(0, dot).equals(top)) {
                return;
            }
            List<Map<String, Value>> items = sections.getOrDefault(key, List.of());
            String indent = dot < 0 ? "" : "  ";
            out.append(indent).append(key.substring(dot + 1)).append(":").append(items.isEmpty() ? " []  # default\n" : "\n");
            for (Map<String, Value> item : items) {
                String lead = indent + "  - ";
                for (Map.Entry<String, Value> f : item.entrySet()) {
                    out.append(lead).append(f.getKey()).append(": ").append(fields.get(f.getKey()).format(f.getValue().value()))
                            .append("  # ").append(f.getValue().source()).append('\n');
                    lead = indent + "    ";
                }
            }
        });
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
            if (section != null && !section.equals(top)) {
                printSections(out, section);
            }
            if (top != null && !top.equals(section)) {
                out.append(top).append(":\n");
            }
            section = top;
            String name = top == null ? s.key() : "  " + s.key().substring(dot + 1);
            out.append(name).append(": ").append(s.type().format(v.value())).append("  # ").append(v.source()).append('\n');
        }
        if (section != null) {
            printSections(out, section);
        }
        printSections(out, null);
        out.append(Settings.NAMESPACES).append(":").append(namespaces.isEmpty() ? " {}  # none\n" : "\n");
        namespaces.forEach((name, options) -> {
            out.append("  ").append(Setting.Type.STRING.format(name)).append(":\n");
            options.forEach((option, v) -> out.append("    ").append(option).append(": ")
                    .append(Settings.NAMESPACE_OPTIONS.get(option).format(v.value())).append("  # ").append(v.source()).append('\n'));
        });
        return out.toString();
    }
}
