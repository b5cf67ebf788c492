package io.herald.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of a namespace (the channel prefix up to the first {@code ':'}). Immutable; build with
 * {@link #builder()}.
 *
 * @param historySize        publications kept per channel, {@code >= 0}; 0 disables history and resume
 * @param historyAge         how long a publication is kept, {@code > 0}
 * @param allowClientPublish whether clients may publish over WebSocket (raw frames or the publish command);
 *                           {@code POST /pub} is the server-side publish API and is always allowed
 */
public record NamespaceOptions(int historySize, Duration historyAge, boolean allowClientPublish) {

    /** The defaults: 1000 publications, 10 minutes, clients may publish. */
    public static final NamespaceOptions DEFAULTS = new NamespaceOptions(1000, Duration.ofMinutes(10), true);

    public NamespaceOptions {
        if (historySize < 0) {
            throw new IllegalArgumentException("historySize: " + historySize + " (expected: >= 0)");
        }
        Objects.requireNonNull(historyAge, "historyAge");
        if (historyAge.isNegative() || historyAge.isZero()) {
            throw new IllegalArgumentException("historyAge: " + historyAge + " (expected: > 0)");
        }
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder of {@link NamespaceOptions}; not thread-safe. */
    public static final class Builder {
        private int historySize;
        private Duration historyAge;
        private boolean allowClientPublish;

        private Builder(NamespaceOptions from) {
            this.historySize = from.historySize;
            this.historyAge = from.historyAge;
            this.allowClientPublish = from.allowClientPublish;
        }

        /** Sets {@link NamespaceOptions#historySize()}; see there for units and bounds. */
        public Builder historySize(int historySize) {
            this.historySize = historySize;
            return this;
        }

        /** Sets {@link NamespaceOptions#historyAge()}; see there for units and bounds. */
        public Builder historyAge(Duration historyAge) {
            this.historyAge = historyAge;
            return this;
        }

        /** Sets {@link NamespaceOptions#allowClientPublish()}; see there for units and bounds. */
        public Builder allowClientPublish(boolean allowClientPublish) {
            this.allowClientPublish = allowClientPublish;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public NamespaceOptions build() {
            return new NamespaceOptions(historySize, historyAge, allowClientPublish);
        }
    }
}
