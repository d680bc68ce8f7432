package io.tidegate.gateway.backend;

import java.util.Map;

/**
 * Where a subscription starts reading. For a group it applies only when the group is created
 * on a topic; an existing group keeps its own cursor. Immutable.
 *
 * @param after           POSITION: per topic, deliver entries strictly after this id
 * @param timestampNanos  TIMESTAMP: entries accepted at or after this time; POSITION: where
 *                        topics missing from {@code after} start (0 = latest)
 */
public record StartAt(Kind kind, Map<String, EntryId> after, long timestampNanos) {

    public enum Kind { LATEST, EARLIEST, POSITION, TIMESTAMP }

    public static final StartAt LATEST = new StartAt(Kind.LATEST, Map.of(), 0);
    public static final StartAt EARLIEST = new StartAt(Kind.EARLIEST, Map.of(), 0);

    public StartAt {
        after = Map.copyOf(after);
    }

    public static StartAt timestamp(long nanos) {
        return new StartAt(Kind.TIMESTAMP, Map.of(), nanos);
    }

    public static StartAt after(Map<String, EntryId> positions, long otherTopicsFromNanos) {
        return new StartAt(Kind.POSITION, positions, otherTopicsFromNanos);
    }

    /**
     * The first entry id a reader of {@code topic} should see, or null for "only entries
     * appended from now on".
     */
    public EntryId firstIdFor(String topic) {
        return switch (kind) {
            case LATEST -> null;
            case EARLIEST -> EntryId.MIN;
            case TIMESTAMP -> new EntryId(timestampNanos / 1_000_000, 0);
            case POSITION -> {
                EntryId last = after.get(topic);
                if (last != null) {
                    yield last.next();
                }
                yield timestampNanos > 0 ? new EntryId(timestampNanos / 1_000_000, 0) : null;
            }
        };
    }
}
