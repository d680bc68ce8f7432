package io.tidegate.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to subscribe to and how: topic patterns, BROADCAST or GROUP (with the group name), where
 * to start, credit (the most messages outstanding at the handler at once), who acks, the ack
 * deadline, the delay of a retry after the handler failed, and strict per-key order. Built with
 * {@link #builder()}; immutable once built. The builder is not thread-safe.
 */
public final class SubscriptionOptions {

    private final String subscriptionId;
    private final List<String> patterns;
    private final SubscriptionMode mode;
    private final String group;
    private final SubscriptionStart start;
    private final int credit;
    private final AckMode ackMode;
    private final Duration ackDeadline;
    private final Duration retryDelay;
    private final boolean strictKeyOrder;
    private final boolean conflate;
    private final List<String> instruments;
    private final String dataKind;

    private SubscriptionOptions(Builder b) {
        this.instruments = List.copyOf(b.instruments);
        this.dataKind = b.dataKind;
        this.subscriptionId = b.subscriptionId;
        this.patterns = List.copyOf(b.patterns);
        this.mode = b.mode;
        this.group = b.group;
        this.start = b.start;
        this.credit = b.credit;
        this.ackMode = b.ackMode;
        this.ackDeadline = b.ackDeadline;
        this.retryDelay = b.retryDelay;
        this.strictKeyOrder = b.strictKeyOrder;
        this.conflate = b.conflate;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A broadcast subscription to the given patterns with defaults for everything else. */
    public static SubscriptionOptions broadcast(String... patterns) {
        return builder().patterns(patterns).build();
    }

    /**
     * A broadcast subscription by instrument: {@code data.<dataKind>.<VENUE>.<native id>} of every
     * venue whose listing gives one of these canonical keys ({@code BTC/USDT}, {@code BTC/USDT:USDT}),
     * including venues listed later.
     *
     * @param dataKind quotes, trades or books
     */
    public static SubscriptionOptions instruments(String dataKind, String... keys) {
        return builder().instruments(dataKind, keys).build();
    }

    /** A group subscription to the given patterns with defaults for everything else. */
    public static SubscriptionOptions group(String group, String... patterns) {
        return builder().group(group).patterns(patterns).build();
    }

    /** Client-chosen id, unique per client; empty: the client assigns one. */
    public String subscriptionId() {
        return subscriptionId;
    }

    public List<String> patterns() {
        return patterns;
    }

    public SubscriptionMode mode() {
        return mode;
    }

    /** The group name (GROUP only; empty for BROADCAST). */
    public String group() {
        return group;
    }

    public SubscriptionStart start() {
        return start;
    }

    /** Most messages delivered but not yet finished by the handler; 0: the client's default. */
    public int credit() {
        return credit;
    }

    public AckMode ackMode() {
        return ackMode;
    }

    /** GROUP: an unacked message is redelivered after this (zero: the gateway's default). */
    public Duration ackDeadline() {
        return ackDeadline;
    }

    /** The nack delay used when a handler throws. */
    public Duration retryDelay() {
        return retryDelay;
    }

    /**
     * GROUP: one member of the group holds a key at a time and gets its messages one by one; a
     * message awaiting ack or retry holds back later messages with its key across all members.
     */
    public boolean strictKeyOrder() {
        return strictKeyOrder;
    }

    /**
     * BROADCAST: while this subscriber is behind, the gateway keeps only the latest message per
     * ordering key (default: the topic); {@link ReceivedMessage#conflatedBefore()} says how many
     * were dropped before each delivered one.
     */
    public boolean conflate() {
        return conflate;
    }

    /** Canonical instrument keys subscribed to (with {@link #dataKind()}); empty when by pattern only. */
    public List<String> instruments() {
        return instruments;
    }

    /** With {@link #instruments()}: quotes, trades or books; else empty. */
    public String dataKind() {
        return dataKind;
    }

    /** Builds {@link SubscriptionOptions}; not thread-safe. */
    public static final class Builder {
        private String subscriptionId = "";
        private final List<String> patterns = new ArrayList<>();
        private SubscriptionMode mode = SubscriptionMode.BROADCAST;
        private String group = "";
        private SubscriptionStart start = SubscriptionStart.latest();
        private int credit;
        private AckMode ackMode = AckMode.AUTO;
        private Duration ackDeadline = Duration.ZERO;
        private Duration retryDelay = Duration.ofSeconds(1);
        private boolean strictKeyOrder;
        private boolean conflate;
        private final List<String> instruments = new ArrayList<>();
        private String dataKind = "";

        private Builder() {
        }

        public Builder subscriptionId(String id) {
            this.subscriptionId = Objects.requireNonNull(id, "subscriptionId");
            return this;
        }

        /** Adds topic patterns: "*" one segment, "&gt;" or "**" the rest, "?" one character. */
        public Builder patterns(String... patterns) {
            for (String p : patterns) {
                this.patterns.add(Objects.requireNonNull(p, "pattern"));
            }
            return this;
        }

        public Builder patterns(List<String> patterns) {
            return patterns(patterns.toArray(String[]::new));
        }

        public Builder mode(SubscriptionMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Makes this a GROUP subscription of the named group. */
        public Builder group(String group) {
            this.group = Objects.requireNonNull(group, "group");
            this.mode = SubscriptionMode.GROUP;
            return this;
        }

        public Builder start(SubscriptionStart start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        public Builder credit(int credit) {
            if (credit < 0) {
                throw new IllegalArgumentException("credit must be >= 0 (0: client default), was " + credit);
            }
            this.credit = credit;
            return this;
        }

        public Builder ackMode(AckMode ackMode) {
            this.ackMode = Objects.requireNonNull(ackMode, "ackMode");
            return this;
        }

        public Builder ackDeadline(Duration deadline) {
            if (deadline.isNegative() || deadline.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ack deadline must be between 0 and 2^31 ms, was " + deadline);
            }
            this.ackDeadline = deadline;
            return this;
        }

        public Builder retryDelay(Duration delay) {
            if (delay.isNegative() || delay.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("retry delay must be between 0 and 2^31 ms, was " + delay);
            }
            this.retryDelay = delay;
            return this;
        }

        public Builder strictKeyOrder(boolean strict) {
            this.strictKeyOrder = strict;
            return this;
        }

        /** BROADCAST only: the latest message per key instead of a backlog while behind. */
        public Builder conflate(boolean conflate) {
            this.conflate = conflate;
            return this;
        }

        /**
         * Adds canonical instruments (ccxt form) whose {@code dataKind} topics on every listing venue
         * are delivered; BROADCAST only. The gateway checks the keys and says what to fix.
         *
         * @param dataKind quotes, trades or books
         */
        public Builder instruments(String dataKind, String... keys) {
            this.dataKind = Objects.requireNonNull(dataKind, "dataKind");
            for (String k : keys) {
                this.instruments.add(Objects.requireNonNull(k, "instrument key"));
            }
            return this;
        }

        /** @throws IllegalArgumentException when no pattern is given, a GROUP has no name or asks to conflate */
        public SubscriptionOptions build() {
            if (patterns.isEmpty() && instruments.isEmpty()) {
                throw new IllegalArgumentException("a subscription needs at least one topic pattern or instrument");
            }
            if (mode == SubscriptionMode.GROUP && !instruments.isEmpty()) {
                throw new IllegalArgumentException("instruments are for BROADCAST subscriptions");
            }
            if (mode == SubscriptionMode.GROUP && group.isBlank()) {
                throw new IllegalArgumentException("a GROUP subscription needs a group name");
            }
            if (mode == SubscriptionMode.GROUP && conflate) {
                throw new IllegalArgumentException("conflate is for BROADCAST subscriptions: a group shares work that"
                        + " each needs processing and an ack, so superseded messages must not be dropped");
            }
            if (mode == SubscriptionMode.BROADCAST && !group.isEmpty()) {
                throw new IllegalArgumentException("a BROADCAST subscription has no group; use mode GROUP");
            }
            return new SubscriptionOptions(this);
        }
    }
}
