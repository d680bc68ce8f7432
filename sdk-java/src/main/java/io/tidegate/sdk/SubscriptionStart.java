package io.tidegate.sdk;

import io.tidegate.proto.v1.StartPosition;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Where a new subscription starts reading. For a GROUP it only matters when the group is first
 * created on a topic; an existing group keeps its own cursor. Immutable.
 */
public final class SubscriptionStart {

    private static final SubscriptionStart LATEST = new SubscriptionStart(StartPosition.Kind.KIND_LATEST, List.of(), 0);
    private static final SubscriptionStart EARLIEST = new SubscriptionStart(StartPosition.Kind.KIND_EARLIEST, List.of(), 0);

    private final StartPosition.Kind kind;
    private final List<StreamPosition> after;
    private final long timestampNanos;

    private SubscriptionStart(StartPosition.Kind kind, List<StreamPosition> after, long timestampNanos) {
        this.kind = kind;
        this.after = List.copyOf(after);
        this.timestampNanos = timestampNanos;
    }

    /** Only messages published after the subscription (the default). */
    public static SubscriptionStart latest() {
        return LATEST;
    }

    /** Everything the gateway still retains. */
    public static SubscriptionStart earliest() {
        return EARLIEST;
    }

    /** Messages the gateway accepted at or after {@code nanos} (Unix ns): replay. */
    public static SubscriptionStart fromTimestamp(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("start timestamp must be > 0 Unix ns, was " + nanos);
        }
        return new SubscriptionStart(StartPosition.Kind.KIND_TIMESTAMP, List.of(), nanos);
    }

    /** Messages the gateway accepted at or after {@code instant}. */
    public static SubscriptionStart from(Instant instant) {
        return fromTimestamp(instant.getEpochSecond() * 1_000_000_000L + instant.getNano());
    }

    /**
     * Per topic, messages strictly after the given positions; topics not named start at
     * {@code otherTopicsFromNanos} (0: latest).
     */
    public static SubscriptionStart after(Collection<StreamPosition> positions, long otherTopicsFromNanos) {
        Objects.requireNonNull(positions, "positions");
        return new SubscriptionStart(StartPosition.Kind.KIND_POSITION, List.copyOf(positions), otherTopicsFromNanos);
    }

    StartPosition.Kind kind() {
        return kind;
    }

    List<StreamPosition> afterPositions() {
        return after;
    }

    long timestampNanos() {
        return timestampNanos;
    }

    StartPosition toProto() {
        StartPosition.Builder b = StartPosition.newBuilder().setKind(kind).setTimestampNanos(timestampNanos);
        after.forEach(p -> b.addAfter(p.toProto()));
        return b.build();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case KIND_UNSPECIFIED, KIND_LATEST -> "LATEST";
            case KIND_EARLIEST -> "EARLIEST";
            case KIND_TIMESTAMP -> "TIMESTAMP(" + timestampNanos + ")";
            default -> "POSITION(" + after + ", others from " + timestampNanos + ")";
        };
    }
}
