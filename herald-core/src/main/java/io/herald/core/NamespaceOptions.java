package io.herald.core;

import io.herald.core.auth.AccessLevel;
import io.herald.core.auth.Action;

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
 * @param subscribe          who may subscribe when access control is on; never {@link AccessLevel#SUBSCRIBER}
 * @param publish            who may publish as a client when access control is on (and
 *                           {@code allowClientPublish} is true)
 * @param history            who may read the history when access control is on; null for the same as
 *                           {@code subscribe}; never {@link AccessLevel#SUBSCRIBER}
 * @param presence           whether the channels keep presence: who is subscribed, for
 *                           {@code GET /presence} and the WebSocket {@code presence} command
 *                           (docs/protocol.md, "Presence")
 * @param joinLeave          whether the WebSocket protocol's subscribers receive join and leave events
 *                           (independent of {@code presence})
 * @param conflation         whether a slow subscriber's queued publications with a key are replaced by the
 *                           newest of the same channel and key instead of the subscriber being disconnected
 *                           (docs/protocol.md, "Conflation")
 * @param writeDelay         the latency budget for batching (docs/protocol.md, "Write delay"): a
 *                           publication of the namespace may be held at most this long before its
 *                           first byte is written, so that several leave in one write; {@link Duration#ZERO}
 *                           writes at once; 0 to 1 s, {@link #DEFAULT_WRITE_DELAY} by default
 */
public record NamespaceOptions(int historySize, Duration historyAge, boolean allowClientPublish,
                               AccessLevel subscribe, AccessLevel publish, AccessLevel history,
                               boolean presence, boolean joinLeave, boolean conflation, Duration writeDelay) {

    /** The default {@link #writeDelay()}: 20 ms (docs/benchmarks.md, "issue 14, round two"). */
    public static final Duration DEFAULT_WRITE_DELAY = Duration.ofMillis(20);
    /** The largest {@link #writeDelay()}: 1 s. */
    public static final Duration MAX_WRITE_DELAY = Duration.ofSeconds(1);

    /**
     * The defaults: 1000 publications, 10 minutes, clients may publish; with access control on,
     * only what a token grants (docs/security.md, "Channel permissions"); no presence; no conflation;
     * a write delay of 20 ms.
     */
    public static final NamespaceOptions DEFAULTS = new NamespaceOptions(1000, Duration.ofMinutes(10), true,
            AccessLevel.GRANT, AccessLevel.GRANT, null, false, false, false, DEFAULT_WRITE_DELAY);

    public NamespaceOptions {
        if (historySize < 0) {
            throw new IllegalArgumentException("historySize: " + historySize + " (expected: >= 0)");
        }
        Objects.requireNonNull(historyAge, "historyAge");
        if (historyAge.isNegative() || historyAge.isZero()) {
            throw new IllegalArgumentException("historyAge: " + historyAge + " (expected: > 0)");
        }
        if (subscribe == null || publish == null) {
            throw new IllegalArgumentException((subscribe == null ? "subscribe" : "publish")
                    + ": none (expected: a level; only history may follow subscribe)");
        }
        if (subscribe == AccessLevel.SUBSCRIBER) {
            throw new IllegalArgumentException("subscribe: subscriber (expected: a level other than subscriber,"
                    + " which is for publish only)");
        }
        if (history == AccessLevel.SUBSCRIBER) {
            throw new IllegalArgumentException("history: subscriber (expected: a level other than subscriber,"
                    + " which is for publish only)");
        }
        Objects.requireNonNull(writeDelay, "writeDelay");
        if (writeDelay.isNegative() || writeDelay.compareTo(MAX_WRITE_DELAY) > 0) {
            throw new IllegalArgumentException("writeDelay: " + writeDelay + " (expected: 0 to 1 s)");
        }
    }

    /** The level of {@code action}: {@link #subscribe}, {@link #publish}, or {@link #history} (else subscribe's). */
    public AccessLevel level(Action action) {
        return switch (action) {
            case SUBSCRIBE -> subscribe;
            case PUBLISH -> publish;
            case HISTORY -> history != null ? history : subscribe;
        };
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
        private AccessLevel subscribe;
        private AccessLevel publish;
        private AccessLevel history;
        private boolean presence;
        private boolean joinLeave;
        private boolean conflation;
        private Duration writeDelay;

        private Builder(NamespaceOptions from) {
            this.historySize = from.historySize;
            this.historyAge = from.historyAge;
            this.allowClientPublish = from.allowClientPublish;
            this.subscribe = from.subscribe;
            this.publish = from.publish;
            this.history = from.history;
            this.presence = from.presence;
            this.joinLeave = from.joinLeave;
            this.conflation = from.conflation;
            this.writeDelay = from.writeDelay;
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

        /** Sets {@link NamespaceOptions#subscribe()}; see there for the levels allowed. */
        public Builder subscribe(AccessLevel subscribe) {
            this.subscribe = subscribe;
            return this;
        }

        /** Sets {@link NamespaceOptions#publish()}. */
        public Builder publish(AccessLevel publish) {
            this.publish = publish;
            return this;
        }

        /** Sets {@link NamespaceOptions#history()}; null for the same as subscribe. */
        public Builder history(AccessLevel history) {
            this.history = history;
            return this;
        }

        /** Sets {@link NamespaceOptions#presence()}. */
        public Builder presence(boolean presence) {
            this.presence = presence;
            return this;
        }

        /** Sets {@link NamespaceOptions#joinLeave()}. */
        public Builder joinLeave(boolean joinLeave) {
            this.joinLeave = joinLeave;
            return this;
        }

        /** Sets {@link NamespaceOptions#conflation()}. */
        public Builder conflation(boolean conflation) {
            this.conflation = conflation;
            return this;
        }

        /** Sets {@link NamespaceOptions#writeDelay()}; see there for the meaning and bounds. */
        public Builder writeDelay(Duration writeDelay) {
            this.writeDelay = writeDelay;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public NamespaceOptions build() {
            return new NamespaceOptions(historySize, historyAge, allowClientPublish, subscribe, publish, history,
                    presence, joinLeave, conflation, writeDelay);
        }
    }
}
