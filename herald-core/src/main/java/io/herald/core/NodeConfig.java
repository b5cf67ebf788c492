package io.herald.core;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Configuration of a {@link Node}. Immutable; build with {@link #builder()}.
 *
 * @param defaultNamespace  options of channels whose namespace has no entry in {@code namespaces}
 * @param namespaces        options per namespace name (the channel prefix before the first {@code ':'})
 * @param maxPayloadBytes   the largest payload accepted, in bytes; 64 KiB by default
 * @param queueMaxBytes     each session's outbound queue bound in bytes; 1 MiB by default
 */
public record NodeConfig(NamespaceOptions defaultNamespace, Map<String, NamespaceOptions> namespaces,
                         int maxPayloadBytes, long queueMaxBytes) {

    public NodeConfig {
        Objects.requireNonNull(defaultNamespace, "defaultNamespace");
        namespaces = Map.copyOf(namespaces);
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes: " + maxPayloadBytes + " (expected: > 0)");
        }
        if (queueMaxBytes < maxPayloadBytes + 1024L) {
            throw new IllegalArgumentException("queueMaxBytes: " + queueMaxBytes
                    + " (expected: >= maxPayloadBytes + 1024 = " + (maxPayloadBytes + 1024L) + ")");
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The options of {@code channel}'s namespace. */
    public NamespaceOptions optionsOf(String channel) {
        if (namespaces.isEmpty()) {
            return defaultNamespace;
        }
        return namespaces.getOrDefault(Names.namespaceOf(channel), defaultNamespace);
    }

    @Override
    public String toString() {
        return "NodeConfig[defaultNamespace=" + defaultNamespace + ", namespaces=" + new TreeMap<>(namespaces)
                + ", maxPayloadBytes=" + maxPayloadBytes + ", queueMaxBytes=" + queueMaxBytes + "]";
    }

    /** Builder of {@link NodeConfig}; not thread-safe. */
    public static final class Builder {
        private NamespaceOptions defaultNamespace = NamespaceOptions.DEFAULTS;
        private final Map<String, NamespaceOptions> namespaces = new TreeMap<>();
        private int maxPayloadBytes = 64 * 1024;
        private long queueMaxBytes = 1024 * 1024;

        /** Sets {@link NodeConfig#defaultNamespace()}: options of channels in no configured namespace. */
        public Builder defaultNamespace(NamespaceOptions options) {
            this.defaultNamespace = options;
            return this;
        }

        /** Sets the options of one namespace, e.g. {@code "chat"} for {@code chat:*} channels. */
        public Builder namespace(String name, NamespaceOptions options) {
            if (name == null || name.isEmpty() || name.indexOf(':') >= 0 || !Names.isChannel(name)) {
                throw new IllegalArgumentException("namespace: " + Names.quote(name)
                        + " (expected: a channel-name prefix without ':')");
            }
            namespaces.put(name, options);
            return this;
        }

        /** Sets {@link NodeConfig#maxPayloadBytes()}; see there for units and bounds. */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /** Sets {@link NodeConfig#queueMaxBytes()}; see there for units and bounds. */
        public Builder queueMaxBytes(long queueMaxBytes) {
            this.queueMaxBytes = queueMaxBytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public NodeConfig build() {
            return new NodeConfig(defaultNamespace, namespaces, maxPayloadBytes, queueMaxBytes);
        }
    }
}
