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
 * @param maxBacklog        pushes queued for subscribers across all sessions above which publishing is
 *                          refused with {@code overloaded} (503) until the backlog drains; 0 (the
 *                          default) for one per 256 bytes of the JVM's maximum heap, at least 100,000
 * @param resetSpread       the window over which the {@code 4001 insufficient_state} disconnects of a
 *                          stream lost live (an epoch change after a Redis restart, a gap) are spread:
 *                          each subscription stops forwarding at once and its session is disconnected
 *                          after a uniformly random delay in {@code [0, resetSpread]}, so the
 *                          subscribers do not all resume at once (docs/protocol.md, "Disconnect codes");
 *                          0 for at once; 5 s by default, at most 5 minutes
 */
public record NodeConfig(NamespaceOptions defaultNamespace, Map<String, NamespaceOptions> namespaces,
                         int maxPayloadBytes, long queueMaxBytes, long maxBacklog,
                         java.time.Duration resetSpread) {

    /**
     * The default coalescing budget.
     *
     * @deprecated the budget is per namespace: {@link NamespaceOptions#DEFAULT_WRITE_DELAY}
     */
    @Deprecated
    public static final java.time.Duration DEFAULT_COALESCE = NamespaceOptions.DEFAULT_WRITE_DELAY;
    /** The default reset spread. */
    public static final java.time.Duration DEFAULT_RESET_SPREAD = java.time.Duration.ofSeconds(5);

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
        if (maxBacklog < 0) {
            throw new IllegalArgumentException("maxBacklog: " + maxBacklog + " (expected: >= 0, 0 for automatic)");
        }
        Objects.requireNonNull(resetSpread, "resetSpread");
        if (resetSpread.isNegative() || resetSpread.compareTo(java.time.Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("resetSpread: " + resetSpread + " (expected: 0 to 5 min)");
        }
    }

    /** {@link #maxBacklog()}, or the automatic bound when it is 0: one push per 256 bytes of maximum heap. */
    public long effectiveMaxBacklog() {
        return maxBacklog > 0 ? maxBacklog : Math.max(100_000L, Runtime.getRuntime().maxMemory() / 256);
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
                + ", maxPayloadBytes=" + maxPayloadBytes + ", queueMaxBytes=" + queueMaxBytes + ", maxBacklog=" + maxBacklog + ", resetSpread=" + resetSpread + "]";
    }

    /** Builder of {@link NodeConfig}; not thread-safe. */
    public static final class Builder {
        private NamespaceOptions defaultNamespace = NamespaceOptions.DEFAULTS;
        private final Map<String, NamespaceOptions> namespaces = new TreeMap<>();
        private int maxPayloadBytes = 64 * 1024;
        private long queueMaxBytes = 1024 * 1024;
        /** Set by the deprecated {@link #coalesce}: the write delay of every namespace; null when not. */
        private java.time.Duration coalesce;
        private long maxBacklog;
        private java.time.Duration resetSpread = DEFAULT_RESET_SPREAD;

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

        /**
         * The node-wide coalescing budget of earlier versions: {@link #build} sets it as the
         * {@link NamespaceOptions#writeDelay() write delay} of the default namespace and of every
         * namespace given to this builder, replacing theirs; {@link java.time.Duration#ZERO} writes at once.
         *
         * @deprecated the budget is per namespace: {@link NamespaceOptions.Builder#writeDelay}
         */
        @Deprecated
        public Builder coalesce(java.time.Duration coalesce) {
            this.coalesce = coalesce;
            return this;
        }

        /** Pushes queued across all sessions above which publishing answers {@code overloaded}; 0 for automatic. */
        public Builder maxBacklog(long maxBacklog) {
            this.maxBacklog = maxBacklog;
            return this;
        }

        /**
         * Sets {@link NodeConfig#resetSpread()}: the window over which the 4001s of a stream lost live
         * are spread; {@link java.time.Duration#ZERO} disconnects at once.
         */
        public Builder resetSpread(java.time.Duration resetSpread) {
            this.resetSpread = resetSpread;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public NodeConfig build() {
            if (coalesce == null) {
                return new NodeConfig(defaultNamespace, namespaces, maxPayloadBytes, queueMaxBytes, maxBacklog, resetSpread);
            }
            Map<String, NamespaceOptions> all = new TreeMap<>();
            namespaces.forEach((name, options) -> all.put(name, options.toBuilder().writeDelay(coalesce).build()));
            return new NodeConfig(defaultNamespace.toBuilder().writeDelay(coalesce).build(), all, maxPayloadBytes,
                    queueMaxBytes, maxBacklog, resetSpread);
        }
    }
}
